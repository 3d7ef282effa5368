// The nodes' hdr-free recorder must fill exactly the buckets hdr-histogram-js would, or the
// orchestrator's histograms (built from the counts) would put latencies in the wrong place.
import {describe, expect, it} from 'vitest'
import {BucketHistogram, COUNTS_LENGTH} from '../../src/metrics/bucket-histogram.js'
import {addBucketCounts, bucketCounts, encodeHistogram, MAX_LATENCY_US, newHistogram} from '../../src/metrics/histogram.js'

describe('BucketHistogram', () => {
  it('has the library layout and fills the same buckets for values across the whole range', () => {
    const lib = newHistogram()
    expect(lib._counts.length).toBe(COUNTS_LENGTH)
    const mine = new BucketHistogram()
    const values = [0, 1, 2, 999, 1000, 2047, 2048, 2049, 4095, 4096, 123_456, 7_654_321, 1e9, MAX_LATENCY_US, MAX_LATENCY_US * 2, -5, Number.NaN, 12.4, 12.6]
    let x = 1
    for (let i = 0; i < 2000; i++) values.push((x = (x * 48271) % 2147483647) % 50_000_000)
    for (const v of values) {
      lib.recordValue(v)
      mine.recordValue(v)
    }
    expect(mine.totalCount).toBe(lib.totalCount)
    expect(mine.bucketCounts()).toEqual(bucketCounts(lib))
    // Counts added into a library histogram encode exactly like the library's own.
    const rebuilt = newHistogram()
    addBucketCounts(rebuilt, mine.bucketCounts())
    expect(encodeHistogram(rebuilt)).toBe(encodeHistogram(lib))
  })

  it('adds and resets', () => {
    const a = new BucketHistogram()
    const b = new BucketHistogram()
    a.recordValue(5)
    b.recordValue(5)
    b.recordValue(70_000)
    a.add(b)
    expect(a.totalCount).toBe(3)
    expect(a.bucketCounts()).toEqual([5, 2, ...new BucketHistogram().bucketCounts(), ...bucketsOf(70_000)])
    a.reset()
    expect(a.totalCount).toBe(0)
    expect(a.bucketCounts()).toEqual([])
  })

  it('adds bucket counts from another process, an index outside the layout into its last bucket', () => {
    const h = new BucketHistogram()
    h.addCounts([...bucketsOf(5), ...bucketsOf(70_000)])
    h.addCounts([...bucketsOf(5), COUNTS_LENGTH + 7, 2])
    expect(h.totalCount).toBe(5)
    expect(h.bucketCounts()).toEqual([5, 2, ...bucketsOf(70_000), COUNTS_LENGTH - 1, 2])
  })
})

function bucketsOf(v: number): number[] {
  const h = new BucketHistogram()
  h.recordValue(v)
  return h.bucketCounts()
}
