// Seeded randomness for workload mixes. Math.random cannot be seeded, and a failing chaos run
// is only useful if the same seed replays the same ops. sfc32: 128-bit state, fast in 32-bit
// JS integer arithmetic, passes PractRand; seeds are expanded with splitmix32.

export interface Rng {
  /** Uniform in 0..2^32-1. */
  nextU32(): number
  /** Uniform in [0, 1). */
  nextFloat(): number
  /** Uniform in 0..n-1 (n >= 1; bias at most n/2^32, negligible for page counts). */
  nextInt(n: number): number
}

const TWO_32 = 4294967296

class Sfc32 implements Rng {
  constructor(
    private a: number,
    private b: number,
    private c: number,
    private d: number,
  ) {}

  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return t >>> 0
  }

  nextFloat(): number {
    return this.nextU32() / TWO_32
  }

  nextInt(n: number): number {
    return Math.floor(this.nextFloat() * n)
  }
}

/** splitmix32 step: a strong 32-bit mixer, used to expand and combine seeds. */
function splitmix32(state: number): {value: number; state: number} {
  const s = (state + 0x9e3779b9) | 0
  let z = s
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
  return {value: (z ^ (z >>> 16)) >>> 0, state: s}
}

/** Any finite number (as from `--seed`), folded to 32 bits keeping the high word's entropy. */
function fold(seed: number): number {
  const n = Number.isFinite(seed) ? Math.trunc(seed) : 0
  const hi = Math.floor(n / TWO_32) | 0
  return (n ^ Math.imul(hi, 0x27d4eb2d)) | 0
}

export function createRng(seed: number): Rng {
  let state = fold(seed)
  const words: number[] = []
  for (let i = 0; i < 4; i++) {
    const r = splitmix32(state)
    words.push(r.value)
    state = r.state
  }
  const rng = new Sfc32(words[0] ?? 0, words[1] ?? 0, words[2] ?? 0, words[3] ?? 1)
  // The first outputs of sfc32 correlate with the seed words.
  for (let i = 0; i < 12; i++) rng.nextU32()
  return rng
}

/** A seed for one consumer (e.g. one node) of a run seed: different salts, unrelated streams. */
export function deriveSeed(seed: number, ...salt: readonly number[]): number {
  let h = splitmix32(fold(seed)).value
  for (const s of salt) h = splitmix32(h ^ Math.imul(fold(s) + 1, 0x9e3779b1)).value
  return h
}

/** CDFs by `n:s`: a mix with 64-page files builds one table for all its draws and all nodes. */
const cdfCache = new Map<string, Float64Array>()

function zipfCdf(n: number, s: number): Float64Array {
  const key = `${n}:${s}`
  let cdf = cdfCache.get(key)
  if (cdf === undefined) {
    cdf = new Float64Array(n)
    let sum = 0
    for (let k = 0; k < n; k++) {
      sum += 1 / Math.pow(k + 1, s)
      cdf[k] = sum
    }
    for (let k = 0; k < n; k++) cdf[k] = (cdf[k] ?? 0) / sum
    cdf[n - 1] = 1
    cdfCache.set(key, cdf)
  }
  return cdf
}

/**
 * A sampler of ranks 0..n-1 with P(k) proportional to 1/(k+1)^s: rank 0 is the hottest.
 * The CDF is built once per (n, s); each draw is one binary search.
 */
export function zipf(n: number, s = 0.99): (rng: Rng) => number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`zipf over ${n} items`)
  const cdf = zipfCdf(n, s)
  return (rng) => {
    const u = rng.nextFloat()
    let lo = 0
    let hi = n - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((cdf[mid] ?? 1) > u) hi = mid
      else lo = mid + 1
    }
    return lo
  }
}
