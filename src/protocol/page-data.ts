// Page contents are real bytes. A write stores a unique stamp (`n1:42`: node 1's 42nd write) by
// filling the whole page with `stamp\0` repeated, so that a torn or mixed page (half of one
// write, half of another) is detected on read instead of passing as a valid value.
import type {PageBytes} from './types.js'

export type PageValue = string | null

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export function encodeStamp(stamp: string, pageSize: number): PageBytes {
  if (stamp.length === 0 || stamp.includes('\0')) throw new Error(`bad stamp ${JSON.stringify(stamp)}`)
  const unit = encoder.encode(stamp + '\0')
  if (unit.length > pageSize) throw new Error(`stamp ${stamp} longer than a page of ${pageSize} bytes`)
  const page = new Uint8Array(pageSize)
  page.set(unit)
  // Doubling copies: log2(pageSize / stamp) memmoves instead of one set() per repetition.
  for (let filled = unit.length; filled < pageSize; filled *= 2) page.copyWithin(filled, 0, Math.min(filled, pageSize - filled))
  return page
}

/**
 * The stamp a page holds: null for a never-written (all zero) page, `corrupt:...` when the bytes
 * are not one whole stamp pattern (a checker then reports the read as a value nobody wrote).
 */
export function decodeStamp(page: PageBytes): PageValue {
  const end = page.indexOf(0)
  if (end === 0) return page.length === 1 || sameBytes(page.subarray(1), page.subarray(0, page.length - 1)) ? null : corrupt(page)
  if (end < 0) return corrupt(page)
  // Periodic with period p  <=>  the page equals itself shifted by p: one memcmp.
  const period = end + 1
  if (period < page.length && !sameBytes(page.subarray(period), page.subarray(0, page.length - period))) return corrupt(page)
  return decoder.decode(page.subarray(0, end))
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0
}

function corrupt(page: PageBytes): string {
  let h = 0x811c9dc5
  for (const b of page) h = Math.imul(h ^ b, 0x01000193) >>> 0
  return `corrupt:${h.toString(16)}`
}

export function zeroPage(pageSize: number): PageBytes {
  return new Uint8Array(pageSize)
}
