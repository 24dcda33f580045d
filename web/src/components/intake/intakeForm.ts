// intakeForm.ts - the intake form's model and its mapping to the body of
// POST /v1/complaints (docs/api.md, "Registering a complaint"): empty fields
// are left out, the amount is entered in yuan and sent in fen, and the checks
// the browser can make before the server does (required fields, the phone's
// shape, the ID number's check character).

export const SIGNALS = [
  'repeat',
  'vulnerable',
  'media_exposure',
  'self_harm_threat',
  'violence_threat',
  'regulator_designated',
  'disaster_event',
] as const

export const GRADES = ['important', 'urgent', 'major'] as const

export interface IntakeForm {
  channel: string
  received_at: string
  institution_received_at: string
  name: string
  phone: string
  id_number: string
  customer_ref: string
  complainants: number
  product: number | ''
  target_party: number | ''
  loan_ref: string
  external_ref: string
  description: string
  claimCodes: string[]
  claims: string
  amountYuan: number | undefined
  business: string
  cause: string
  grade: string
  signals: string[]
  tags: string[]
}

export function emptyForm(): IntakeForm {
  return {
    channel: '',
    received_at: '',
    institution_received_at: '',
    name: '',
    phone: '',
    id_number: '',
    customer_ref: '',
    complainants: 1,
    product: '',
    target_party: '',
    loan_ref: '',
    external_ref: '',
    description: '',
    claimCodes: [],
    claims: '',
    amountYuan: undefined,
    business: '',
    cause: '',
    grade: '',
    signals: [],
    tags: [],
  }
}

/** The body of POST /v1/complaints: only what was filled in. */
export function requestBody(f: IntakeForm): Record<string, unknown> {
  const b: Record<string, unknown> = { channel: f.channel }
  const person: Record<string, string> = { name: f.name.trim() }
  if (f.phone.trim()) person.phone = f.phone.trim()
  if (f.id_number.trim()) person.id_number = f.id_number.trim().toUpperCase()
  if (f.customer_ref.trim()) person.customer_ref = f.customer_ref.trim()
  b.complainant = person
  b.description = f.description.trim()
  const text: (keyof IntakeForm)[] = ['received_at', 'institution_received_at', 'loan_ref', 'external_ref', 'claims', 'business', 'cause', 'grade']
  for (const k of text) {
    const v = String(f[k] ?? '').trim()
    if (v) b[k] = v
  }
  if (f.product !== '') b.product = f.product
  if (f.target_party !== '') b.target_party = f.target_party
  if (f.amountYuan !== undefined && f.amountYuan !== null) b.amount_fen = Math.round(f.amountYuan * 100)
  if (f.complainants !== 1) b.complainants = f.complainants
  if (f.signals.length) b.signals = [...f.signals]
  if (f.tags.length) b.tags = [...f.tags]
  return b
}

/* The form item an API error's field names: the complainant's members keep
   their dotted names, an array's item names its array. */
const FIELD_OF: Record<string, string> = { amount_fen: 'amount', complainant: 'complainant.name' }

export function formField(apiField: string | undefined | null): string {
  if (!apiField) return ''
  const base = apiField.replace(/\[\d+\]$/, '').replace(/\.\d+$/, '')
  return FIELD_OF[base] ?? base
}

const PHONE = /^\+?[0-9][0-9 -]*$/

export function phoneOk(phone: string): boolean {
  const p = phone.trim()
  if (!PHONE.test(p) || p.length > 32) return false
  const digits = p.replace(/[^0-9]/g, '').length
  return digits >= 5 && digits <= 20
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const ID_CHECK = '10X98765432'

/** An 18-character resident identity number with a valid check character and birth date. */
export function idNumberOk(id: string): boolean {
  const s = id.trim().toUpperCase()
  if (!/^[0-9]{17}[0-9X]$/.test(s)) return false
  let sum = 0
  for (let i = 0; i < 17; i++) sum += Number(s[i]) * ID_WEIGHTS[i]
  if (ID_CHECK[sum % 11] !== s[17]) return false
  const y = Number(s.slice(6, 10))
  const m = Number(s.slice(10, 12))
  const d = Number(s.slice(12, 14))
  const birth = new Date(Date.UTC(y, m - 1, d))
  return y >= 1900 && birth.getUTCMonth() === m - 1 && birth.getUTCDate() === d && birth.getTime() <= Date.now()
}
