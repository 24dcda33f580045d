// queues.ts - the work queues each role sees, as a table: what a queue asks
// the API for (a list query, the clocks list or the task inbox) and which
// roles have it. QueueView renders whichever it is given.
import type { Role } from './types'

export type QueueSource = 'complaints' | 'clocks' | 'tasks'

export interface QueueDef {
  name: string
  source: QueueSource
  roles: Role[]
  /** the list query the queue always applies (before the user's filters) */
  base: (u: { id: number; party: number }) => Record<string, string>
}

export const OPEN_STATES = 'received,accepted,investigating,decided,notified,review,mediation'

const HANDLERS: Role[] = ['agent', 'supervisor', 'compliance']
const INSTITUTION: Role[] = ['agent', 'supervisor', 'compliance', 'admin', 'auditor']

export const QUEUES: QueueDef[] = [
  { name: 'mine', source: 'complaints', roles: [...HANDLERS, 'mediator'], base: (u) => ({ assignee: String(u.id), state: OPEN_STATES }) },
  { name: 'team', source: 'complaints', roles: INSTITUTION, base: (u) => ({ lead_party: String(u.party), state: OPEN_STATES }) },
  { name: 'unassigned', source: 'complaints', roles: ['agent', 'supervisor'], base: (u) => ({ lead_party: String(u.party), assignee: 'none', state: OPEN_STATES }) },
  { name: 'due', source: 'clocks', roles: INSTITUTION, base: (u) => ({ party: String(u.party), state: 'open' }) },
  { name: 'transfers', source: 'tasks', roles: HANDLERS, base: () => ({ direction: 'in', kind: 'transfer', state: 'open' }) },
  { name: 'tasks', source: 'tasks', roles: HANDLERS, base: () => ({ direction: 'in', kind: 'task', state: 'open' }) },
  { name: 'referred', source: 'complaints', roles: ['mediator', 'regulator'], base: (u) => ({ party: String(u.party) }) },
  { name: 'all', source: 'complaints', roles: ['agent', 'supervisor', 'compliance', 'admin', 'auditor', 'mediator', 'regulator'], base: () => ({}) },
]

export function queuesFor(role: Role): QueueDef[] {
  return QUEUES.filter((q) => q.roles.includes(role))
}

/** The list filters of GET /v1/complaints a user may set (docs/api.md, "Lists"). */
export const FILTER_KEYS = [
  'state',
  'grade',
  'channel',
  'business',
  'cause',
  'product',
  'lead_party',
  'target_party',
  'party',
  'assignee',
  'received_from',
  'received_to',
] as const
export type FilterKey = (typeof FILTER_KEYS)[number]
