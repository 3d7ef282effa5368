import {describe, expect, it} from 'vitest'

import {generateRegisterHistory, type GenerateOptions, prng} from '../../src/check/linearizability/generate-history.js'
import {checkRegisterHistory, type RegisterHistoryEntry, type RegisterOp, type Scalar} from '../../src/check/linearizability/index.js'
import {okReads, randomHistory, referenceLinearizable, staleValueFor} from './helpers.js'

/** Replays a failure's prefix: every step must be legal, ending at `valueAfterPrefix`. */
function replay(prefix: readonly RegisterOp[]): Scalar {
  let state: Scalar = null
  for (const op of prefix) {
    if (op.f === 'read') expect(op.value).toBe(state)
    else if (op.f === 'write') state = op.value as Scalar
    else {
      const [expected, next] = op.value as readonly [Scalar, Scalar]
      if (op.outcome === 'ok') expect(expected).toBe(state)
      if (state === expected) state = next
    }
  }
  return state
}

/** Returns a copy of `h` where the read completing at `complete` returned `value`. */
function withRead(h: readonly RegisterHistoryEntry[], complete: number, value: Scalar): RegisterHistoryEntry[] {
  return h.map((e, i) => (i === complete ? {...e, value} : e))
}

describe('agreement with an exhaustive reference checker', () => {
  it('gives the same verdict on thousands of small random histories', () => {
    let valid = 0
    let invalid = 0
    for (let seed = 1; seed <= 4000; seed++) {
      const h = randomHistory(seed, 3 + (seed % 8), 2 + (seed % 3), 1 + (seed % 2))
      const expected = referenceLinearizable(h)
      const r = checkRegisterHistory(h)
      if (r.valid !== expected) throw new Error(`seed ${seed}: checker says ${r.valid}, reference ${expected}\n${h.map((e) => JSON.stringify(e)).join('\n')}`)
      if (expected) valid++
      else {
        invalid++
        const f = r.failure!
        expect(replay(f.prefix)).toBe(f.valueAfterPrefix)
        expect(f.prefix).not.toContainEqual(f.blocked)
        expect(f.blocked.key).toBe(f.key)
      }
    }
    // Both verdicts must be well represented for the comparison to mean something.
    expect(valid).toBeGreaterThan(800)
    expect(invalid).toBeGreaterThan(800)
  })
})

describe('agreement on generated histories with a read changed at random', () => {
  it('gives the same verdict as the reference checker', () => {
    let valid = 0
    let invalid = 0
    for (let seed = 1; seed <= 2000; seed++) {
      const rand = prng(seed)
      const h = generateRegisterHistory({
        seed,
        ops: 6 + (seed % 9),
        processes: 2 + (seed % 6),
        cas: [0, 0.3, 0.6][seed % 3],
        info: [0, 0.2, 0.5][(seed >> 2) % 3],
        fail: 0.1,
        overlap: 1 + (seed % 4),
      })
      const reads = okReads(h)
      const written: Scalar[] = [null, ...h.filter((e) => e.f === 'write').map((e) => e.value as Scalar)]
      const mutated = reads.length === 0 ? h : withRead(h, reads[Math.floor(rand() * reads.length)]!.complete, written[Math.floor(rand() * written.length)]!)
      const expected = referenceLinearizable(mutated)
      const r = checkRegisterHistory(mutated)
      if (r.valid !== expected) throw new Error(`seed ${seed}: checker says ${r.valid}, reference ${expected}`)
      if (expected) valid++
      else invalid++
    }
    expect(valid).toBeGreaterThan(500)
    expect(invalid).toBeGreaterThan(500)
  })
})

const CONFIGS: {name: string; options: Omit<GenerateOptions, 'seed'>}[] = [
  {name: 'one register, 3 processes', options: {ops: 60, processes: 3}},
  {name: 'one register, 10 processes, long ops', options: {ops: 120, processes: 10, overlap: 4}},
  {name: 'cas and crashes', options: {ops: 100, processes: 5, cas: 0.3, info: 0.15, fail: 0.1}},
  {name: 'many keys', options: {ops: 300, processes: 8, keys: 20, cas: 0.1, info: 0.05}},
  {name: 'read-heavy', options: {ops: 150, processes: 12, reads: 0.9, overlap: 3}},
]

describe('generated linearizable histories', () => {
  for (const {name, options} of CONFIGS) {
    it(`always check valid: ${name}`, () => {
      for (let seed = 1; seed <= 150; seed++) {
        const r = checkRegisterHistory(generateRegisterHistory({...options, seed}))
        if (r.valid !== true) throw new Error(`seed ${seed}: ${JSON.stringify(r, null, 1)}`)
      }
    })
  }

  it('agree with the reference checker when small', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const h = generateRegisterHistory({seed, ops: 9, processes: 3, cas: 0.3, info: 0.2, fail: 0.1})
      expect(referenceLinearizable(h)).toBe(true)
    }
  })
})

describe('mutated histories', () => {
  for (const {name, options} of CONFIGS) {
    it(`a read of a value never written fails: ${name}`, () => {
      for (let seed = 1; seed <= 100; seed++) {
        const h = generateRegisterHistory({...options, seed})
        const reads = okReads(h)
        const read = reads[seed % reads.length]!
        const r = checkRegisterHistory(withRead(h, read.complete, 'never-written'))
        expect(r.valid, `seed ${seed}`).toBe(false)
        expect(r.failure?.key).toBe(h[read.invoke]!.key ?? null)
      }
    })

    it(`a read of an overwritten value fails: ${name}`, () => {
      let tried = 0
      for (let seed = 1; seed <= 100; seed++) {
        const h = generateRegisterHistory({...options, seed})
        const reads = okReads(h)
        // Try the later reads first: they are the likeliest to have a stale value.
        for (let i = reads.length - 1; i >= 0; i--) {
          const stale = staleValueFor(h, reads[i]!)
          if (stale === undefined) continue
          tried++
          const r = checkRegisterHistory(withRead(h, reads[i]!.complete, stale))
          expect(r.valid, `seed ${seed}`).toBe(false)
          break
        }
      }
      expect(tried).toBeGreaterThan(50)
    })
  }
})
