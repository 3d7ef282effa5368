import * as hdr from 'hdr-histogram-js'
import {describe, expect, it} from 'vitest'
import {decodeHistogram, encodeHistogram, MAX_LATENCY_US, newHistogram, percentiles} from '../../src/metrics/histogram.js'

function libraryHistogram(): hdr.Histogram {
  return hdr.build({lowestDiscernibleValue: 1, highestTrackableValue: MAX_LATENCY_US, numberOfSignificantValueDigits: 3, autoResize: false})
}

// Deterministic pseudo-random numbers (tests must not flake).
function lcg(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

describe('percentiles', () => {
  it('gives the exact percentiles of 1..1000', () => {
    const h = newHistogram()
    for (let v = 1; v <= 1000; v++) h.recordValue(v)
    expect(percentiles(h)).toEqual({count: 1000, mean: 500.5, min: 1, p50: 500, p90: 900, p99: 990, p999: 999, max: 1000})
  })

  it('is within 0.1% for large values', () => {
    const h = newHistogram()
    for (let v = 1; v <= 100_000; v++) h.recordValue(v * 100)
    const p = percentiles(h)
    expect(p.count).toBe(100_000)
    for (const [got, want] of [[p.p50, 5_000_000], [p.p90, 9_000_000], [p.p99, 9_900_000], [p.p999, 9_990_000], [p.max, 10_000_000], [p.min, 100], [p.mean, 5_000_050]] as const) {
      expect(Math.abs(got - want) / want).toBeLessThan(0.001)
    }
  })

  it('is all zeros for an empty histogram', () => {
    expect(percentiles(newHistogram())).toEqual({count: 0, mean: 0, min: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0})
  })
})

describe('LatencyHistogram.recordValue fast path', () => {
  it('fills exactly the same buckets as the library across the whole range', () => {
    const values: number[] = [0, 1, 2, 2047, 2048, 2049, 4095, 4096, MAX_LATENCY_US - 1, MAX_LATENCY_US]
    for (let k = 1; k < 32; k++) {
      for (const d of [-1, 0, 1]) {
        const v = 2 ** k + d
        if (v <= MAX_LATENCY_US) values.push(v)
      }
    }
    const rnd = lcg(42)
    for (let i = 0; i < 200_000; i++) values.push(Math.floor(Math.exp(rnd() * Math.log(MAX_LATENCY_US))))
    const ours = newHistogram()
    const theirs = libraryHistogram()
    for (const v of values) {
      ours.recordValue(v)
      theirs.recordValue(v)
    }
    expect(ours.totalCount).toBe(theirs.totalCount)
    expect(ours.maxValue).toBe(theirs.maxValue)
    expect(ours.minNonZeroValue).toBe(theirs.minNonZeroValue)
    expect(encodeHistogram(ours)).toBe(hdr.encodeIntoCompressedBase64(theirs))
  })
})

describe('normalising values', () => {
  it('clamps values above one hour to one hour and counts them, instead of throwing', () => {
    const h = newHistogram()
    expect(() => h.recordValue(1e12)).not.toThrow()
    h.recordValue(MAX_LATENCY_US + 1)
    h.recordValue(10)
    expect(h.clampedCount).toBe(2)
    expect(h.totalCount).toBe(3)
    const p = percentiles(h)
    expect(Math.abs(p.max - MAX_LATENCY_US) / MAX_LATENCY_US).toBeLessThan(0.001)
    expect(p.min).toBe(10)
    h.recordValueWithCount(1e13, 5)
    expect(h.clampedCount).toBe(7)
    expect(h.totalCount).toBe(8)
  })

  it('rounds fractions and records negative or NaN as 0', () => {
    const h = newHistogram()
    h.recordValue(2.4)
    h.recordValue(2.6)
    h.recordValue(-5)
    h.recordValue(Number.NaN)
    expect(h.totalCount).toBe(4)
    // Sorted: 0, 0, 2, 3.
    expect(h.getValueAtPercentile(50)).toBe(0)
    expect(h.getValueAtPercentile(75)).toBe(2)
    expect(h.getValueAtPercentile(100)).toBe(3)
    expect(h.clampedCount).toBe(0)
  })
})

describe('encode/decode', () => {
  it('round-trips counts and percentiles', () => {
    const h = newHistogram()
    const rnd = lcg(7)
    for (let i = 0; i < 50_000; i++) h.recordValue(Math.floor(rnd() * 1_000_000))
    const s = encodeHistogram(h)
    expect(s.startsWith('HISTF')).toBe(true)
    expect(s).not.toMatch(/\s/)
    const back = decodeHistogram(s)
    expect(back.totalCount).toBe(50_000)
    expect(percentiles(back)).toEqual(percentiles(h))
    expect(encodeHistogram(back)).toBe(s)
    // Readers tolerate the trailing newline of a .histf file.
    expect(decodeHistogram(`${s}\n`).totalCount).toBe(50_000)
  })

  it('throws a clear error for corrupt strings', () => {
    const h = newHistogram()
    h.recordValue(5)
    const good = encodeHistogram(h)
    const bad = ['', 'not a histogram', 'HISTF!!!', good.slice(0, -8), good.slice(0, 8) + good.slice(8).replace(/[A-Z]/g, 'Q'), 'HISTF' + 'A'.repeat(39)]
    for (const s of bad) expect(() => decodeHistogram(s), JSON.stringify(s)).toThrow(/^corrupt histogram string/)
  })
})
