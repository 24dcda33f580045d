// types.ts - the shapes of the API's documents the workbench reads
// (docs/api.md is their definition).

export type Role = 'agent' | 'supervisor' | 'compliance' | 'admin' | 'auditor' | 'mediator' | 'regulator'
export type PartyKind = 'bank' | 'lender' | 'platform' | 'regulator' | 'mediator' | 'operator'

export interface User {
  id: number
  party: number
  party_kind?: PartyKind
  username: string
  display_name?: string
  role: Role
  active?: boolean
  on_duty?: boolean
  skills?: string[]
}

export interface Session {
  user: User
  csrf_token: string
  expires_at?: string
}

export interface Party {
  id: number
  code: string
  name: string
  kind: PartyKind
}

export interface ClockPause {
  seq: number
  kind?: string
  reason?: string
  started_at: string
  ended_at?: string | null
}

export interface Clock {
  kind: string
  state: string
  started_at: string
  due_at: string
  warn_at?: string | null
  stopped_at?: string | null
  remaining_ms?: number | null
  late_ms?: number | null
  paused_ms?: number
  limit?: { amount: number; unit: string }
  extension?: number
  run?: number
  warned?: boolean
  escalated?: boolean
  projected?: boolean
  pauses?: ClockPause[]
}

export interface Attachment {
  sha256: string
  size: number
  name: string
  content_type: string
  at: string
  visibility?: string
  party?: number
  masked?: boolean
}

export interface Complaint {
  no: string
  state: string
  state_zh?: string
  grade?: string
  grade_zh?: string
  grade_reasons?: string[]
  channel?: string
  product?: number
  business?: string
  cause?: string
  description?: string
  claims?: string
  amount_fen?: number
  complainant?: { name?: string; phone?: string; id_number?: string; customer_ref?: string }
  received_at: string
  updated_at?: string
  target_party?: number
  lead_party?: number
  parties?: { party: number; role: string }[]
  assignee?: number
  department?: string
  queue?: string
  version?: number
  tags?: string[]
  signals?: string[]
  notes?: number
  clocks?: Clock[]
  attachments?: Attachment[]
  actions?: string[]
  [key: string]: unknown
}

export interface ComplaintPage {
  items: Complaint[]
  count: number
  next_cursor: string | null
}

export interface TimelineEvent {
  id: number
  seq: number
  type: string
  at: string
  actor: { user: number; party: number }
  payload: Record<string, unknown>
  visibility?: string
}

export interface TaskItem {
  no: string
  kind: 'task' | 'transfer'
  n: number
  from_party: number
  to_party: number
  state: string
  opened_at: string
  due_at: string
  closed_at?: string
}
