// dashboardData.ts - the dashboard's figures, read from the API that exists,
// with a bounded number of requests. The API has no counts for complaints
// (GET /v1/complaints pages documents), so a count is one page of at most
// PAGE complaints: exact below PAGE, "PAGE+" above; the complaints received
// per day are the pages of the last 30 days up to RECEIVED_PAGES pages, the
// days beyond marked incomplete. Clocks have an aggregate already:
// GET /v1/clocks/compliance.
import { api } from '../../api'
import type { ComplaintPage } from '../../types'

export interface TableCell {
  text: string
  to?: string
}

export interface ChartTable {
  head: string[]
  rows: TableCell[][]
}

/** The largest page GET /v1/complaints gives by default (page_max). */
export const PAGE = 200
/** How many pages of the last 30 days' complaints the per-day chart reads. */
export const RECEIVED_PAGES = 5

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

/** The server's local date (YYYY-MM-DD) of a moment. */
export function localDate(ms: number, offsetMin: number): string {
  return new Date(ms + offsetMin * 60000).toISOString().slice(0, 10)
}

export function addDays(date: string, n: number): string {
  const d = new Date(date + 'T00:00:00Z')
  d.setUTCDate(d.getUTCDate() + n)
  return d.toISOString().slice(0, 10)
}

/** The server's offset from UTC in minutes: a plain date sent to it comes
    back as the UTC time of that date's local midnight (docs/api.md,
    Conventions). 480 (Asia/Shanghai) when the answer says nothing. */
export function offsetFrom(sentDate: string, answered: string | undefined): number {
  const off = (Date.parse(sentDate + 'T00:00:00Z') - Date.parse(answered ?? '')) / 60000
  return Number.isFinite(off) ? off : 480
}

/** The complaints list behind a figure: the "all" queue with these filters. */
export function listLink(filters: Record<string, string>): string {
  return '/queues/all?' + new URLSearchParams(filters).toString()
}

export async function countComplaints(filters: Record<string, string>): Promise<Count> {
  const page = await api.get<ComplaintPage>('/complaints', { ...filters, limit: PAGE })
  return { n: page.count, capped: page.next_cursor !== null }
}

export interface ReceivedDays {
  counts: Map<string, number>
  /** the first day counted in full, or null when every day is; earlier days are incomplete */
  completeFrom: string | null
  loaded: number
}

/** The complaints received from a local date on, counted per local date. */
export async function receivedSince(from: string, offsetMin: number): Promise<ReceivedDays> {
  const counts = new Map<string, number>()
  let cursor: string | null = null
  let loaded = 0
  let oldest = ''
  for (let pages = 0; pages < RECEIVED_PAGES; pages++) {
    const page: ComplaintPage = await api.get<ComplaintPage>('/complaints', {
      received_from: from,
      limit: PAGE,
      ...(cursor ? { cursor } : {}),
    })
    for (const c of page.items) {
      const day = localDate(Date.parse(c.received_at), offsetMin)
      counts.set(day, (counts.get(day) ?? 0) + 1)
      oldest = day
    }
    loaded += page.items.length
    cursor = page.next_cursor
    if (!cursor) break
  }
  /* Newest first: when pages remain, the oldest day read is partly read. */
  return { counts, completeFrom: cursor ? addDays(oldest, 1) : null, loaded }
}

/** Runs the tasks at most `width` at a time: the server is shared. */
export async function pool<T>(tasks: (() => Promise<T>)[], width: number): Promise<PromiseSettledResult<T>[]> {
  const out: PromiseSettledResult<T>[] = new Array(tasks.length)
  let next = 0
  async function worker(): Promise<void> {
    while (next < tasks.length) {
      const i = next++
      try {
        out[i] = { status: 'fulfilled', value: await tasks[i]() }
      } catch (reason) {
        out[i] = { status: 'rejected', reason }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(width, tasks.length) }, worker))
  return out
}
