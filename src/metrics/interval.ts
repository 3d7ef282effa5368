// The orchestrator's sum of the nodes' latest progress intervals: bucket counts added up per key,
// taken as bucket counts once per live-view tick. Nothing is encoded or decoded here: the timeline
// encodes a tick once when it closes (results/timeline.ts).
import {BucketHistogram} from './bucket-histogram.js'
import type {BucketCounts} from '../records/histogram-keys.js'

export class IntervalLatency {
  private readonly byKey = new Map<string, BucketHistogram>()

  add(counts: Readonly<Record<string, BucketCounts>>): void {
    for (const key of Object.keys(counts)) {
      let h = this.byKey.get(key)
      if (h === undefined) this.byKey.set(key, (h = new BucketHistogram()))
      h.addCounts(counts[key]!)
    }
  }

  /** The corrected latencies added since the last take, by key (keys with none left out). */
  take(): Record<string, BucketCounts> {
    const out: Record<string, BucketCounts> = {}
    for (const [key, h] of this.byKey) {
      if (h.totalCount === 0) continue
      out[key] = h.bucketCounts()
      h.reset()
    }
    return out
  }
}
