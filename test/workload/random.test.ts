import {describe, expect, it} from 'vitest'
import {createRng, deriveSeed, zipf} from '../../src/workload/random.js'

describe('createRng', () => {
  it('is deterministic per seed', () => {
    const a = createRng(7)
    const b = createRng(7)
    const c = createRng(8)
    const xs = Array.from({length: 100}, () => a.nextU32())
    expect(Array.from({length: 100}, () => b.nextU32())).toEqual(xs)
    expect(Array.from({length: 100}, () => c.nextU32())).not.toEqual(xs)
  })

  it('keeps outputs in range and roughly uniform', () => {
    const rng = createRng(123)
    const buckets = new Array<number>(10).fill(0)
    for (let i = 0; i < 100_000; i++) {
      const f = rng.nextFloat()
      expect(f >= 0 && f < 1).toBe(true)
      const k = rng.nextInt(10)
      buckets[k] = (buckets[k] ?? 0) + 1
    }
    for (const n of buckets) expect(Math.abs(n - 10_000)).toBeLessThan(500)
  })

  it('derives unrelated seeds per salt', () => {
    const seeds = new Set([0, 1, 2, 3].map((node) => deriveSeed(42, node)))
    expect(seeds.size).toBe(4)
    expect(deriveSeed(42, 1)).toBe(deriveSeed(42, 1))
    expect(deriveSeed(42, 1)).not.toBe(deriveSeed(43, 1))
    // Seeds above 2^32 still matter.
    expect(deriveSeed(2 ** 33)).not.toBe(deriveSeed(0))
  })
})

describe('zipf', () => {
  it('returns ranks in 0..n-1 with rank 0 the most frequent', () => {
    const n = 100
    const sample = zipf(n)
    const rng = createRng(1)
    const counts = new Array<number>(n).fill(0)
    const draws = 100_000
    for (let i = 0; i < draws; i++) {
      const r = sample(rng)
      expect(Number.isInteger(r) && r >= 0 && r < n).toBe(true)
      counts[r] = (counts[r] ?? 0) + 1
    }
    // P(0) = 1 / H(100, 0.99), about 0.19; P(50) about 0.19 / 51^0.99.
    let h = 0
    for (let k = 1; k <= n; k++) h += 1 / Math.pow(k, 0.99)
    expect(Math.abs((counts[0] ?? 0) / draws - 1 / h)).toBeLessThan(0.01)
    const sorted = [...counts].sort((a, b) => a - b)
    const median = sorted[n / 2] ?? 0
    expect(counts[0] ?? 0).toBeGreaterThan(30 * median)
    expect(counts[0]).toBe(Math.max(...counts))
  })

  it('handles one item and refuses none', () => {
    expect(zipf(1)(createRng(1))).toBe(0)
    expect(() => zipf(0)).toThrow(RangeError)
  })

  it('a larger s skews harder', () => {
    const rng = createRng(2)
    const mild = zipf(50, 0.5)
    const steep = zipf(50, 1.5)
    let mild0 = 0
    let steep0 = 0
    for (let i = 0; i < 20_000; i++) {
      if (mild(rng) === 0) mild0++
      if (steep(rng) === 0) steep0++
    }
    expect(steep0).toBeGreaterThan(2 * mild0)
  })
})
