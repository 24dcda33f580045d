// util.ts - what the supervision and administration tabs share: every page of
// a filtered complaint list (up to a bound), complaint documents by number,
// an error's text, money in yuan, a basis-point share as a percentage and
// whether the reader is an administrator of the operator.
import { api, ApiError } from '../../api'
import { session } from '../../session'
import { catalog } from '../../refdata'
import type { Complaint, ComplaintPage, PartyKind } from '../../types'

export interface ComplaintScan {
  items: Complaint[]
  /** true when the bound stopped the scan before the last page */
  truncated: boolean
}

/** Every complaint of GET /v1/complaints with this query, at most `max`. */
export async function scanComplaints(query: Record<string, string>, max = 1000, signal?: AbortSignal): Promise<ComplaintScan> {
  const items: Complaint[] = []
  let cursor: string | null = null
  do {
    const limit = Math.min(200, max - items.length)
    const page: ComplaintPage = await api.get<ComplaintPage>('/complaints', { ...query, limit, ...(cursor ? { cursor } : {}) }, signal)
    items.push(...page.items)
    cursor = page.next_cursor
  } while (cursor && items.length < max)
  return { items, truncated: cursor !== null }
}

/** The documents of these complaints (those the reader may see), by number:
    GET /v1/complaints?no=..., 100 numbers a request, with the list filters
    `extra` applied too. */
export async function complaintsByNo(nos: string[], extra: Record<string, string> = {}): Promise<Map<string, Complaint>> {
  const out = new Map<string, Complaint>()
  const unique = [...new Set(nos)]
  for (let i = 0; i < unique.length; i += 100) {
    const part = unique.slice(i, i + 100)
    const page = await api.get<ComplaintPage>('/complaints', { ...extra, no: part.join(','), limit: part.length })
    for (const c of page.items) out.set(c.no, c)
  }
  return out
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.code ? `${e.message} (${e.code})` : e.message
  return e instanceof Error ? e.message : String(e)
}

export function yuan(fen: number | null | undefined, locale: string): string {
  if (fen === null || fen === undefined) return '—'
  const v = (fen / 100).toLocaleString(locale === 'en' ? 'en-GB' : 'zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })
  return '¥' + v
}

export function percent(bp: number): string {
  return (bp / 100).toFixed(2).replace(/\.?0+$/, '') + '%'
}

export function isoDay(offsetDays: number): string {
  const d = new Date(Date.now() + offsetDays * 86400000)
  const y = d.getFullYear()
  const m = String(d.getMonth() + 1).padStart(2, '0')
  const day = String(d.getDate()).padStart(2, '0')
  return `${y}-${m}-${day}`
}

export function partyKind(id: number | undefined): PartyKind | undefined {
  return catalog.parties.find((p) => p.id === id)?.kind
}

/** An admin of the operator party: sees every party's users and settlements,
    creates parties, products and cooperations (reactive: reads the catalog). */
export function operatorAdmin(): boolean {
  const u = session.user
  return u !== null && u.role === 'admin' && (u.party_kind ?? partyKind(u.party)) === 'operator'
}
