// receipt.ts - checks a complaint's receipt (回执) in the browser, as
// `ombud verify --receipt` does (docs/ledger.md, "Checking a receipt"): the
// entry is the creation event of that complaint, its leaf hash is
// SHA-256(0x00 || entry), the inclusion proof (RFC 9162 2.1.3.2) leads to the
// signed head's root, and, where Web Crypto has Ed25519, the head's signature
// over the 67-byte message verifies with the receipt's key. Web Crypto exists
// only in secure contexts (https, localhost): elsewhere every check says
// 'unavailable' and the receipt is checked offline with ombud verify.
import type { Receipt } from '../../types'

export type Check = 'ok' | 'failed' | 'unavailable'

export interface ReceiptCheck {
  entry: Check
  leaf: Check
  inclusion: Check
  signature: Check
}

function hexBytes(hex: string): Uint8Array {
  if (!/^([0-9a-f]{2})*$/i.test(hex)) throw new Error('not hex')
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16)
  return out
}

function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', data as BufferSource))
}

const ONE = new Uint8Array([1])

/** The root the proof leads to from leafHash, or null when the proof has the wrong length. */
export async function rootFromInclusion(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: Uint8Array[],
): Promise<Uint8Array | null> {
  if (index >= size) return null
  let fn = index
  let sn = size - 1
  let r = leafHash
  for (const p of proof) {
    if (sn === 0) return null
    if (fn % 2 === 1 || fn === sn) {
      r = await sha256(concat(ONE, p, r))
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2)
        sn = Math.floor(sn / 2)
      }
    } else {
      r = await sha256(concat(ONE, r, p))
    }
    fn = Math.floor(fn / 2)
    sn = Math.floor(sn / 2)
  }
  return sn === 0 ? r : null
}

/** "ombud-tree-head-v1" 0x00 || uint64 size || int64 at_ms || root, big-endian. */
export function headMessage(size: number, atMs: number, root: Uint8Array): Uint8Array {
  const label = new TextEncoder().encode('ombud-tree-head-v1\0')
  const nums = new DataView(new ArrayBuffer(16))
  nums.setBigUint64(0, BigInt(size))
  nums.setBigInt64(8, BigInt(atMs))
  return concat(label, new Uint8Array(nums.buffer), root)
}

async function verifySignature(publicKey: string, signature: string, message: Uint8Array): Promise<Check> {
  let key: CryptoKey
  try {
    key = await crypto.subtle.importKey('raw', hexBytes(publicKey) as BufferSource, { name: 'Ed25519' }, false, ['verify'])
  } catch {
    return 'unavailable'
  }
  const ok = await crypto.subtle.verify({ name: 'Ed25519' }, key, hexBytes(signature) as BufferSource, message as BufferSource)
  return ok ? 'ok' : 'failed'
}

/** Whether the entry is the creation event (seq 1) of the complaint, at received_at. */
function entryMatches(r: Receipt, no: string): boolean {
  try {
    const e = JSON.parse(r.entry) as Record<string, unknown>
    return (
      e.complaint === no &&
      r.complaint === no &&
      e.seq === 1 &&
      (e.type === 'received' || e.type === 'imported') &&
      Date.parse(r.received_at) === e.at
    )
  } catch {
    return false
  }
}

export async function checkReceipt(r: Receipt, no: string): Promise<ReceiptCheck> {
  const entry: Check = entryMatches(r, no) ? 'ok' : 'failed'
  if (!globalThis.crypto?.subtle) return { entry, leaf: 'unavailable', inclusion: 'unavailable', signature: 'unavailable' }
  try {
    const leafHash = await sha256(concat(new Uint8Array([0]), new TextEncoder().encode(r.entry)))
    const leaf: Check = toHex(leafHash) === r.leaf_hash.toLowerCase() ? 'ok' : 'failed'
    const head = r.tree_head
    const root = await rootFromInclusion(leafHash, r.leaf_index, head.size, r.inclusion_proof.map(hexBytes))
    const inclusion: Check = root !== null && toHex(root) === head.root.toLowerCase() ? 'ok' : 'failed'
    const signature = await verifySignature(r.public_key, head.signature, headMessage(head.size, head.at_ms, hexBytes(head.root)))
    return { entry, leaf, inclusion, signature }
  } catch {
    return { entry, leaf: 'failed', inclusion: 'failed', signature: 'failed' }
  }
}
