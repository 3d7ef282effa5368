// The orchestrator's sum of the nodes' latest progress intervals: bucket counts are added into one
// reused histogram per key, and encoded once per live-view tick (not once per node report).
import {addBucketCounts, encodeHistogram, newHistogram, type LatencyHistogram} from './histogram.js'
import type {BucketCounts, EncodedHistograms} from '../records/histogram-keys.js'

export class IntervalLatency {
  private readonly byKey = new Map<string, LatencyHistogram>()

  add(counts: Readonly<Record<string, BucketCounts>>): void {
    for (const key of Object.keys(counts)) {
      let h = this.byKey.get(key)
      if (h === undefined) this.byKey.set(key, (h = newHistogram()))
      addBucketCounts(h, counts[key]!)
    }
  }

  /** Everything added since the last take (corrected latencies; `uncorrected` mirrors them), or null if nothing was. */
  take(): EncodedHistograms | null {
    const corrected: Record<string, string> = {}
    let any = false
    for (const [key, h] of this.byKey) {
      if (h.totalCount === 0) continue
      corrected[key] = encodeHistogram(h)
      h.reset()
      any = true
    }
    return any ? {corrected, uncorrected: corrected} : null
  }
}
