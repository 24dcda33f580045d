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

/** A pause of a clock's run: id is the seq of its `paused` event, reason the reason_code. */
export interface ClockPause {
  id: number
  reason: string
  from: string
  to: string | null
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
  tasks?: PartyTask[]
  transfers?: Transfer[]
  decision?: Decision
  extensions?: Extension[]
  dispatch?: Record<string, unknown>
  repeats?: number
  pii_reads?: number
  loan_ref?: string
  external_ref?: string
  complainants?: number
  institution_received_at?: string
  [key: string]: unknown
}

/** A party task (协办) as the complaint document lists it. */
export interface PartyTask {
  n: number
  from_party: number
  to_party: number
  state: 'open' | 'answered' | 'overdue' | 'cancelled'
  kind: string
  request: string
  opened_at: string
  opened_by?: number
  due_at: string
  closed_at?: string
  closed_by?: number
  late?: boolean
  answer?: string
  attachments?: string[]
  reason?: string
}

/** A transfer (转办) as the complaint document lists it. */
export interface Transfer {
  n: number
  from_party: number
  to_party: number
  state: 'pending' | 'acknowledged' | 'declined'
  reason: string
  department?: string
  queue?: string
  due_at: string
  escalated?: boolean
  at: string
  by: number
  closed_at?: string
  closed_by?: number
  decline_reason?: string
}

export interface SettlementPart {
  party: number
  role?: string
  share_bp?: number
  weight?: number
  amount_fen: number
}

export interface Decision {
  finding: string
  responsibility: string
  remedy: string
  basis: string
  routes?: string[]
  compensation_fen?: number
  party_responsibility?: { party: number; weight: number }[]
  settlement?: { basis: string; total_fen: number; parts: SettlementPart[] }
  at: string
  by: number
}

export interface Extension {
  clock: string
  days: number
  reason: string
  consumer_notice?: { method: string; notified_at: string }
  at: string
  by: number
}

export interface ComplaintPage {
  items: Complaint[]
  count: number
  next_cursor: string | null
}

/** GET /v1/actions: one action of the catalogue. */
export interface ActionField {
  name: string
  type: 'string' | 'text' | 'integer' | 'boolean' | 'time' | 'enum' | 'strings' | 'object' | 'objects'
  required: boolean
  min_length?: number
  max_length?: number
  min?: number
  max?: number
  enum?: string[]
  fields?: ActionField[]
  max_items?: number
}

export interface ActionInfo {
  name: string
  label: string
  event: string
  path: string
  body: 'json' | 'file'
  from: string[]
  to: string | null
  roles: string[]
  fields: ActionField[]
}

/** A complaint's receipt (回执), GET /v1/complaints/{no}/receipt. */
export interface Receipt {
  format: string
  complaint: string
  received_at: string
  entry: string
  leaf_index: number
  leaf_hash: string
  inclusion_proof: string[]
  tree_head: { size: number; at: string; at_ms: number; root: string; signature: string; key_id: string }
  public_key: string
  key_id: string
  cosignatures: { party: number; party_code: string; public_key: string; signature: string; at: string; by: number }[]
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
