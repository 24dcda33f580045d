// refdata.ts - the reference data every page labels things with: parties,
// the users of the reader's party, products and the taxonomy. Loaded once per
// session and kept in memory; reload() after an administrator changes them.
import { reactive } from 'vue'
import { api } from './api'
import type { Party, User } from './types'

export interface TaxonomyCode {
  code: string
  zh: string
  en: string
}

export interface Product {
  id: number
  code: string
  name: string
  business?: string
}

interface RefData {
  loaded: boolean
  parties: Party[]
  users: User[]
  products: Product[]
  taxonomy: Record<string, TaxonomyCode[]>
}

export const catalog = reactive<RefData>({ loaded: false, parties: [], users: [], products: [], taxonomy: {} })

let loading: Promise<void> | null = null

function items<T>(doc: unknown, key: string): T[] {
  if (Array.isArray(doc)) return doc as T[]
  const v = (doc as Record<string, unknown> | null)?.[key] ?? (doc as Record<string, unknown> | null)?.items
  return Array.isArray(v) ? (v as T[]) : []
}

export function loadRefData(force = false): Promise<void> {
  if (catalog.loaded && !force) return Promise.resolve()
  if (loading && !force) return loading
  loading = (async () => {
    const [parties, users, products, taxonomy] = await Promise.all([
      api.get<unknown>('/parties'),
      api.get<unknown>('/users').catch(() => []),
      api.get<unknown>('/products'),
      api.get<Record<string, unknown>>('/taxonomy'),
    ])
    catalog.parties = items<Party>(parties, 'parties')
    catalog.users = items<User>(users, 'users')
    catalog.products = items<Product>(products, 'products')
    const tax: Record<string, TaxonomyCode[]> = {}
    for (const [kind, list] of Object.entries(taxonomy ?? {})) {
      if (Array.isArray(list)) tax[kind] = list as TaxonomyCode[]
    }
    catalog.taxonomy = tax
    catalog.loaded = true
  })()
  try {
    return loading
  } finally {
    loading.catch(() => {
      loading = null
    })
  }
}

export function partyName(id?: number | null): string {
  if (id === undefined || id === null) return '—'
  return catalog.parties.find((p) => p.id === id)?.name ?? '#' + id
}

export function userName(id?: number | null): string {
  if (id === undefined || id === null || id === 0) return '—'
  const u = catalog.users.find((x) => x.id === id)
  return u ? u.display_name || u.username : '#' + id
}

export function productName(id?: number | null): string {
  if (id === undefined || id === null) return '—'
  return catalog.products.find((p) => p.id === id)?.name ?? '#' + id
}

export function codeLabel(kind: string, code: string | undefined, locale: string): string {
  if (!code) return '—'
  const c = (catalog.taxonomy[kind] ?? []).find((x) => x.code === code)
  if (!c) return code
  return locale.startsWith('zh') ? c.zh : c.en
}
