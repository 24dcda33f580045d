// model.ts - what the complaint page's parts share: money and size
// formatting, the readable lines of each event type's payload, the test for
// masked personal data in an event, and the action catalogue with the
// actions the reader may take now (GET /v1/actions,
// GET /v1/complaints/{no}/actions; null when the server has no such route).
import { api, ApiError } from '../../api'
import { formatTime, durationParts } from '../../clock'
import { catalog, codeLabel, partyName, userName } from '../../refdata'
import type { ActionInfo, TimelineEvent } from '../../types'

type T = (key: string, args?: Record<string, unknown>) => string

export function yuan(fen: number | undefined | null, locale: string): string {
  if (fen === undefined || fen === null) return '—'
  return new Intl.NumberFormat(locale === 'en' ? 'en-GB' : 'zh-CN', {
    style: 'currency',
    currency: 'CNY',
    currencyDisplay: 'narrowSymbol',
  }).format(fen / 100)
}

/** A user by name when the reader may see it (users of the own party), else by id. */
export function person(t: T, id: number | undefined | null): string {
  if (!id) return '—'
  return catalog.users.some((u) => u.id === id) ? userName(id) : t('complaint.timeline.user', { id })
}

export function bytes(n: number | undefined): string {
  if (n === undefined) return '—'
  if (n < 1024) return n + ' B'
  if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KB'
  return (n / 1024 / 1024).toFixed(1) + ' MB'
}

export function duration(ms: number, t: T): string {
  const p = durationParts(ms)
  if (p.d > 0) return t('clocks.days', { n: p.d }) + (p.h ? t('clocks.hours', { n: p.h }) : '')
  if (p.h > 0) return t('clocks.hours', { n: p.h }) + (p.m ? t('clocks.minutes', { n: p.m }) : '')
  return t('clocks.minutes', { n: Math.max(p.m, 1) })
}

/** A value of an enumerated field in words, or the value itself when no words are known. */
export function enumLabel(t: T, te: (key: string) => boolean, field: string, value: string): string {
  if (field === 'clock') return te('clocks.' + value) ? t('clocks.' + value) : value
  if (field === 'grade') return te('grades.' + value) ? t('grades.' + value) : value
  const key = 'complaint.enum.' + field + '.' + value
  return te(key) ? t(key) : value
}

/* Payload members that are free text: shown as paragraphs. */
export const TEXT_KEYS = new Set([
  'description', 'claims', 'note', 'reason', 'finding', 'remedy', 'basis', 'summary', 'facts', 'request', 'answer',
  'text', 'purpose', 'proof',
])

/* The members each event type shows, in order; others stay hidden. */
const EVENT_KEYS: Record<string, string[]> = {
  received: ['channel', 'description', 'claims', 'amount_fen'],
  imported: ['channel', 'description', 'claims', 'amount_fen'],
  dispatched: ['lead_party', 'department', 'queue', 'assignee', 'rule'],
  accepted: ['lead_party', 'note'],
  rejected: ['reason'],
  withdrawn: ['reason'],
  merged: ['into', 'reason'],
  investigation_started: ['note'],
  decided: ['finding', 'responsibility', 'remedy', 'compensation_fen', 'basis', 'routes'],
  notified: ['method', 'notified_at', 'proof'],
  review_requested: ['reason', 'applied_at'],
  mediation_referred: ['mediator_party', 'reason'],
  closed: ['summary'],
  reopened: ['facts'],
  assigned: ['assignee', 'reason'],
  classified: ['business', 'cause', 'grade', 'tags', 'reason'],
  note_added: ['text'],
  attachment_added: ['name', 'size', 'content_type'],
  extended: ['clock', 'days', 'reason', 'consumer_notice'],
  paused: ['clock', 'reason_code', 'reason'],
  resumed: ['clock', 'pause', 'note'],
  callback_recorded: ['method', 'satisfaction', 'note'],
  transferred: ['transfer', 'to_party', 'reason', 'department', 'queue', 'due_at'],
  transfer_acknowledged: ['transfer', 'lead_party', 'assignee', 'note'],
  transfer_declined: ['transfer', 'reason'],
  task_requested: ['task', 'to_party', 'kind', 'request', 'due_at'],
  task_answered: ['task', 'answer', 'attachments'],
  task_cancelled: ['task', 'reason'],
  pii_read: ['fields', 'event', 'purpose'],
  clock_warning: ['clock', 'due_at'],
  clock_escalated: ['clock', 'due_at', 'late_ms'],
  transfer_escalated: ['transfer', 'due_at', 'late_ms'],
  task_overdue: ['task', 'due_at', 'late_ms'],
}

const PARTY_KEYS = new Set(['lead_party', 'to_party', 'mediator_party', 'party'])
const ENUM_KEYS = new Set(['method', 'responsibility', 'satisfaction', 'reason_code', 'kind', 'visibility', 'clock', 'grade'])
const NUMBER_KEYS = new Set(['transfer', 'task', 'pause', 'event'])

export interface Line {
  key: string
  label: string
  value: string
  text: boolean
}

export interface Formatter {
  t: T
  te: (key: string) => boolean
  locale: string
}

/** One payload member in words. */
export function formatValue(f: Formatter, key: string, v: unknown): string {
  const { t, te, locale } = f
  if (v === null || v === undefined || v === '') return '—'
  if (PARTY_KEYS.has(key)) return partyName(Number(v))
  if (key === 'assignee') return person(t, Number(v))
  if (key.endsWith('_fen')) return yuan(Number(v), locale)
  if (key.endsWith('_at')) return formatTime(String(v), locale)
  if (key === 'late_ms') return duration(Number(v), t)
  if (key === 'size') return bytes(Number(v))
  if (key === 'days') return t('complaint.days', { n: v })
  if (NUMBER_KEYS.has(key)) return '#' + v
  if (key === 'business' || key === 'cause' || key === 'channel') return codeLabel(key, String(v), locale)
  if (ENUM_KEYS.has(key)) return enumLabel(t, te, key, String(v))
  if (key === 'routes' && Array.isArray(v)) return v.map((r) => enumLabel(t, te, 'routes', String(r))).join('、')
  if (key === 'fields' && Array.isArray(v)) return v.map((x) => readFieldLabel(f, String(x))).join('、')
  if (key === 'attachments' && Array.isArray(v)) return v.map((x) => String(x).slice(0, 12) + '…').join('、')
  if (key === 'consumer_notice' && typeof v === 'object') {
    const n = v as { method?: string; notified_at?: string }
    return enumLabel(t, te, 'method', n.method ?? '') + ' · ' + formatTime(n.notified_at, locale)
  }
  if (Array.isArray(v)) return v.join('、')
  if (typeof v === 'object') return JSON.stringify(v)
  return String(v)
}

const PERSON: Record<string, string> = { name: 'name', phone: 'phone', id_number: 'idNumber', customer_ref: 'customerRef' }

/** The name of a field (of an action, a payload, a read in clear) in words. */
export function fieldLabel(f: Formatter, key: string): string {
  const last = key.split('.').pop() ?? key
  if (key.startsWith('complainant.') && PERSON[last]) return f.t('complaint.complainant.' + PERSON[last])
  const k = 'complaint.field.' + last
  return f.te(k) ? f.t(k) : key
}

/* A field a pii_read names: the complainant's own, or a free-text field of an event. */
function readFieldLabel(f: Formatter, key: string): string {
  return PERSON[key] ? f.t('complaint.complainant.' + PERSON[key]) : fieldLabel(f, key)
}

/** The readable lines of an event's payload. */
export function describe(f: Formatter, ev: TimelineEvent): Line[] {
  const keys = EVENT_KEYS[ev.type] ?? Object.keys(ev.payload).filter((k) => typeof ev.payload[k] !== 'object')
  const out: Line[] = []
  for (const key of keys) {
    const v = ev.payload[key]
    if (v === undefined || v === null || v === '' || (Array.isArray(v) && !v.length)) continue
    out.push({ key, label: fieldLabel(f, key), value: formatValue(f, key, v), text: TEXT_KEYS.has(key) })
  }
  return out
}

/* A mask of personal data in free text: 137****7000, 110***********002X, z***@example.com. */
const MASK = /\*{3,}/

/** Whether an event's free text holds masked personal data to read in clear. */
export function hasMaskedText(ev: TimelineEvent): boolean {
  if (ev.payload.masked === true) return true
  const scan = (o: Record<string, unknown>): boolean =>
    Object.entries(o).some(([k, v]) =>
      k === 'complainant' ? false : typeof v === 'string' ? MASK.test(v) : v && typeof v === 'object' && !Array.isArray(v) ? scan(v as Record<string, unknown>) : false,
    )
  return scan(ev.payload)
}

/* ---- actions ---- */

let catalogue: Promise<ActionInfo[] | null> | null = null

/** GET /v1/actions, once per page load; null when the server has no catalogue. */
export function loadCatalogue(): Promise<ActionInfo[] | null> {
  if (!catalogue) {
    catalogue = api
      .get<{ actions: ActionInfo[] }>('/actions')
      .then((r) => r.actions)
      .catch((e) => {
        catalogue = null
        if (e instanceof ApiError && (e.status === 404 || e.status === 405)) return null
        throw e
      })
  }
  return catalogue
}

/** GET /v1/complaints/{no}/actions: the names the reader may take now; null without the route. */
export async function loadAllowed(no: string): Promise<string[] | null> {
  try {
    const r = await api.get<{ actions: string[] }>('/complaints/' + encodeURIComponent(no) + '/actions')
    return r.actions
  } catch (e) {
    /* An unknown route is 404 with another code than the complaint's not_found. */
    if (e instanceof ApiError && e.status === 404 && e.code !== 'not_found') return null
    if (e instanceof ApiError && e.status === 405) return null
    throw e
  }
}

/** An API error in the reader's words where the page knows them. */
export function errorText(t: T, e: unknown): string {
  if (e instanceof ApiError) {
    if (e.code === 'network_error') return t('common.networkError')
    return e.message + ' (' + e.code + ')'
  }
  return String(e)
}
