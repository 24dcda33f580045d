// dashboardData.ts - the shapes and helpers of the dashboard's figures: the
// counts come from GET /v1/stats/complaints, the clocks from
// GET /v1/clocks/compliance; every figure links to the list behind it.

export interface TableCell {
  text: string
  to?: string
}

export interface ChartTable {
  head: string[]
  rows: TableCell[][]
}

export interface Count {
  n: number
  /** more complaints match than were counted */
  capped: boolean
}

export interface ComplianceKind {
  kind: string
  total: number
  met: number
  met_late: number
  breached: number
  counting: number
  cancelled: number
  met_share: number | null
}

export interface Compliance {
  due_from: string
  due_to: string
  by_kind: ComplianceKind[]
}

export function formatCount(c: Count | undefined): string {
  if (!c) return '—'
  return c.capped ? c.n + '+' : String(c.n)
}

export function addDays(date: string, n: number): string {
  const d = new Date(date + 'T00:00:00Z')
  d.setUTCDate(d.getUTCDate() + n)
  return d.toISOString().slice(0, 10)
}

/** The complaints list behind a figure: the "all" queue with these filters. */
export function listLink(filters: Record<string, string>): string {
  return '/queues/all?' + new URLSearchParams(filters).toString()
}

export interface ReceivedDays {
  counts: Map<string, number>
  /** the first day counted in full, or null when every day is; earlier days are incomplete */
  completeFrom: string | null
  loaded: number
}

