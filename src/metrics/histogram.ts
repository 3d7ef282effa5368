// Latency histograms: one fixed configuration (1 µs .. 1 hour, 3 significant digits) for every
// process, so that histograms recorded anywhere can be added together and written in the
// standard HdrHistogram formats (HISTF V2 base64, .hgrm) other tools read.
import * as hdr from 'hdr-histogram-js'
import type {BucketCounts, CountsHistograms, EncodedHistograms} from '../records/histogram-keys.js'
import {MAX_LATENCY_US} from './bucket-histogram.js'

export {MAX_LATENCY_US}

// Always the pure-JS implementation: only those can be added to each other.
export type Histogram = hdr.JsHistogram

export const SIGNIFICANT_DIGITS = 3

/**
 * A pure-JS 32-bit histogram (WASM ones cannot be added to JS ones) whose `recordValue` never
 * throws: values are rounded to whole microseconds, negative/NaN become 0, and values above
 * MAX_LATENCY_US are recorded as MAX_LATENCY_US and counted in `clampedCount`.
 *
 * `recordValue` is also the recorder's hot path, and the library's version costs ~100 ns (log2,
 * pow, several calls). Because the range is fixed to < 2^32 with unit resolution, the counts index
 * can be computed with clz32 and shifts instead (~6 ns). It writes the same fields the library's
 * own recordSingleValue does; test/metrics/histogram.test.ts checks it matches the library
 * bucket for bucket, so an upgrade that changes the internals fails there, not silently.
 */
export class LatencyHistogram extends hdr.Int32Histogram {
  clampedCount = 0

  constructor() {
    super(1, MAX_LATENCY_US, SIGNIFICANT_DIGITS)
    this.autoResize = false
    // The fast index computation below assumes exactly this layout.
    if (this.unitMagnitude !== 0 || this._counts.length !== this.countsArrayLength || this.subBucketHalfCount !== 1 << this.subBucketHalfCountMagnitude) {
      throw new Error('hdr-histogram-js internals changed: LatencyHistogram fast path needs review')
    }
  }

  override recordValue(value: number): void {
    let v = Math.round(value)
    if (!(v >= 0)) v = 0
    else if (v > MAX_LATENCY_US) {
      v = MAX_LATENCY_US
      this.clampedCount++
    }
    const shift = this.subBucketHalfCountMagnitude
    const b = 31 - Math.clz32(v) - shift
    const bucket = b > 0 ? b : 0
    const index = ((bucket + 1) << shift) + (v >>> bucket) - this.subBucketHalfCount
    const counts = this._counts
    counts[index] = counts[index]! + 1
    this._totalCount++
    if (v > this.maxValue) this.maxValue = v
    if (v !== 0 && v < this.minNonZeroValue) this.minNonZeroValue = v
  }

  override recordValueWithCount(value: number, count: number): void {
    let v = Math.round(value)
    if (!(v >= 0)) v = 0
    else if (v > MAX_LATENCY_US) {
      v = MAX_LATENCY_US
      this.clampedCount += count
    }
    super.recordValueWithCount(v, count)
  }
}

/** The histogram's non-empty buckets (BucketCounts); only those up to the largest value recorded are scanned. */
export function bucketCounts(h: LatencyHistogram): BucketCounts {
  const out: BucketCounts = []
  if (h.totalCount === 0) return out
  const counts = h._counts
  const last = Math.min(counts.length - 1, h.countsArrayIndex(h.maxValue))
  for (let i = 0; i <= last; i++) {
    const c = counts[i]!
    if (c !== 0) out.push(i, c)
  }
  return out
}

/** Adds bucket counts (from bucketCounts() of a histogram of the same layout) into `h`. */
export function addBucketCounts(h: LatencyHistogram, pairs: readonly number[]): void {
  for (let i = 0; i + 1 < pairs.length; i += 2) h.recordValueWithCount(h.valueFromIndex(pairs[i]!), pairs[i + 1]!)
}

/** Bucket counts (a node's recorder) as HISTF strings; `uncorrected` is the corrected string where the node sent none. */
export function encodeCounts(c: CountsHistograms): EncodedHistograms {
  const out: EncodedHistograms = {corrected: {}, uncorrected: {}}
  for (const [key, pairs] of Object.entries(c.corrected)) {
    const corrected = encodeBucketCounts(pairs)
    out.corrected[key] = corrected
    const uncorrected = c.uncorrected[key]
    out.uncorrected[key] = uncorrected === undefined ? corrected : encodeBucketCounts(uncorrected)
  }
  return out
}

/** Bucket counts as a HISTF string. */
export function encodeBucketCounts(pairs: BucketCounts): string {
  const h = newHistogram()
  addBucketCounts(h, pairs)
  return encodeHistogram(h)
}

export function newHistogram(): LatencyHistogram {
  return new LatencyHistogram()
}

export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h)
}

// Every HISTF V2 compressed string starts with the base64 of its cookie (0x1c849314).
const HISTF_PREFIX = 'HISTF'
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/

/** Decodes a HISTF V2 base64 string; throws `corrupt histogram string` with the cause otherwise. */
export function decodeHistogram(s: string): Histogram {
  const text = s.trim()
  const fail = (why: string, cause?: unknown): never => {
    const shown = text.length > 24 ? `${text.slice(0, 24)}...` : text
    throw new Error(`corrupt histogram string "${shown}" (${text.length} chars): ${why}`, cause === undefined ? undefined : {cause})
  }
  if (text === '') fail('empty')
  if (!text.startsWith(HISTF_PREFIX)) fail('not a HISTF V2 compressed histogram')
  if (!BASE64.test(text) || text.length % 4 !== 0) fail('not valid base64')
  try {
    const h = hdr.decodeFromCompressedBase64(text)
    if (!(h instanceof hdr.JsHistogram)) return fail('decoded to a non-JS histogram')
    return h
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err), err)
  }
}

export interface Percentiles {
  readonly count: number
  readonly mean: number
  readonly min: number
  readonly p50: number
  readonly p90: number
  readonly p99: number
  readonly p999: number
  readonly max: number
}

/**
 * Summary in microseconds. min and max come from the percentile walk (lowest / highest
 * equivalent value) rather than the tracked min/max fields, so a histogram gives the same
 * answer before and after an encode/decode round trip or a merge.
 */
export function percentiles(h: Histogram): Percentiles {
  if (h.totalCount === 0) return {count: 0, mean: 0, min: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0}
  return {
    count: h.totalCount,
    mean: h.mean,
    min: h.getValueAtPercentile(0),
    p50: h.getValueAtPercentile(50),
    p90: h.getValueAtPercentile(90),
    p99: h.getValueAtPercentile(99),
    p999: h.getValueAtPercentile(99.9),
    max: h.getValueAtPercentile(100),
  }
}
