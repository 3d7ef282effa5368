// The recording half of a latency histogram, without hdr-histogram-js: node processes record
// and send bucket counts, and only the orchestrator (and the reports) load the library (its
// WASM build and pako cost a node ~40 % of its start-up). The layout is exactly the one of
// metrics/histogram.ts (1 µs .. 1 hour, 3 significant digits): test/metrics/bucket-histogram.test.ts
// checks it bucket for bucket against the library, so the counts add into its histograms.
import type {BucketCounts, CountsHistograms} from '../records/histogram-keys.js'

/** Largest recordable latency, microseconds (1 hour). Larger values are recorded as this. */
export const MAX_LATENCY_US = 3_600_000_000
/** log2 of half the sub-bucket count for 3 significant digits (2 * 10^3 -> 2048 sub-buckets). */
const SUB_BUCKET_HALF_COUNT_MAGNITUDE = 10
const SUB_BUCKET_HALF_COUNT = 1 << SUB_BUCKET_HALF_COUNT_MAGNITUDE
/** 22 buckets reach past MAX_LATENCY_US; (buckets + 1) * half a sub-bucket count. */
export const COUNTS_LENGTH = 23 * SUB_BUCKET_HALF_COUNT

export class BucketHistogram {
  readonly counts = new Int32Array(COUNTS_LENGTH)
  totalCount = 0
  /** Highest index with a count (-1: empty): reset, add and bucketCounts stop there. */
  private maxIndex = -1

  /** µs; rounded to whole µs, negative or NaN as 0, above MAX_LATENCY_US as MAX_LATENCY_US. */
  recordValue(value: number): void {
    let v = Math.round(value)
    if (!(v >= 0)) v = 0
    else if (v > MAX_LATENCY_US) v = MAX_LATENCY_US
    const b = 31 - Math.clz32(v) - SUB_BUCKET_HALF_COUNT_MAGNITUDE
    const bucket = b > 0 ? b : 0
    const index = ((bucket + 1) << SUB_BUCKET_HALF_COUNT_MAGNITUDE) + (v >>> bucket) - SUB_BUCKET_HALF_COUNT
    this.counts[index]!++
    this.totalCount++
    if (index > this.maxIndex) this.maxIndex = index
  }

  add(other: BucketHistogram): void {
    for (let i = 0; i <= other.maxIndex; i++) this.counts[i] = this.counts[i]! + other.counts[i]!
    this.totalCount += other.totalCount
    if (other.maxIndex > this.maxIndex) this.maxIndex = other.maxIndex
  }

  /**
   * Adds bucket counts ([index, count, ...], from bucketCounts() of this layout; they come from
   * other processes, so an index outside the layout counts in its last bucket, as a value above
   * MAX_LATENCY_US does).
   */
  addCounts(pairs: BucketCounts): void {
    const counts = this.counts
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      const index = Math.min(Math.max(pairs[i]!, 0), COUNTS_LENGTH - 1)
      counts[index] = counts[index]! + pairs[i + 1]!
      this.totalCount += pairs[i + 1]!
      if (index > this.maxIndex) this.maxIndex = index
    }
  }

  reset(): void {
    if (this.maxIndex >= 0) this.counts.fill(0, 0, this.maxIndex + 1)
    this.totalCount = 0
    this.maxIndex = -1
  }

  /** Non-empty buckets as [index, count, ...] (records/histogram-keys.ts BucketCounts). */
  bucketCounts(): BucketCounts {
    const out: BucketCounts = []
    const counts = this.counts
    for (let i = 0; i <= this.maxIndex; i++) {
      const c = counts[i]!
      if (c !== 0) out.push(i, c)
    }
    return out
  }
}

export function emptyCounts(): CountsHistograms {
  return {corrected: {}, uncorrected: {}}
}
