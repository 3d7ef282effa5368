// The state key the searches hash: hashes combined from parts cached on nodes and the manager
// equal those of fresh states (a cache never outlives a change, in the state or in a copy
// sharing its parts), hash equality follows key-text equality, and states merged because their
// lock counters differ only by an order-preserving renaming behave the same, step for step.
import {describe, expect, it} from 'vitest'
import {walk} from '../../src/sim/explore.js'
import {makeModel, MODEL_PAGE_SIZE} from '../../src/sim/program.js'
import {CORRECT} from '../../src/sim/protocol.js'
import {keyFunction} from '../../src/sim/search.js'
import {SimState, ViolationError} from '../../src/sim/state.js'
import {plain, Ranks, stateKey} from '../../src/sim/state-key.js'
import type {Action, ModelConfig, ModelOp} from '../../src/sim/types.js'

const r = (page: number): ModelOp => ({f: 'read', page: {file: 'a', page}})
const w = (page: number): ModelOp => ({f: 'write', page: {file: 'a', page}})
const ROUNDS = [r(0), w(0), r(1), r(0), w(0), r(1)]

function model(nodes: number, kills = 0): ModelConfig {
  return makeModel({granularity: 'page', states: 'shared', downgrade: 'unmap', holdTimeUs: 0, pageSize: MODEL_PAGE_SIZE}, Array.from({length: nodes}, () => ROUNDS), 'ordered', null, {kills})
}

function fresh(m: ModelConfig, trace: readonly Action[]): SimState {
  const s = SimState.initial(m, CORRECT)
  for (const a of trace) s.apply(a)
  return s
}

/** The key with counters as they are (no ranks): what tells merged states apart. */
const rawKey = (s: SimState): string => stateKey(s, plain(s.nodes.length), s.nodes.map((_, i) => i))

describe('state keys', () => {
  it('cached hashes equal a fresh state’s, for the state, its copies and its parent after a copy changed', () => {
    const m = model(3, 1)
    for (const symmetry of [false, true]) {
      const {keyOf} = keyFunction(m, symmetry)
      for (let seed = 1; seed <= 6; seed++) {
        const trace = walk(m, seed, 60).trace
        const s = SimState.initial(m, CORRECT)
        for (let k = 0; k < trace.length; k++) {
          const before = keyOf(s)
          // Every action from here on a copy: the copy shares the parts it did not change.
          for (const a of s.enabled()) {
            const c = s.clone()
            try {
              c.apply(a)
            } catch (e) {
              if (e instanceof ViolationError) continue
              throw e
            }
            expect(keyOf(c)).toEqual(keyOf(fresh(m, [...trace.slice(0, k), a])))
          }
          expect(keyOf(s)).toEqual(before)
          expect(before).toEqual(keyOf(fresh(m, trace.slice(0, k))))
          s.apply(trace[k] as Action)
        }
      }
    }
  })

  it('equal hashes exactly where the key texts are equal', () => {
    const m = model(3, 1)
    const {keyOf} = keyFunction(m, false)
    const byKey = new Map<string, string>()
    const byHash = new Map<string, string>()
    for (let seed = 1; seed <= 30; seed++) {
      const trace = walk(m, seed, 80).trace
      const s = SimState.initial(m, CORRECT)
      for (const a of trace) {
        s.apply(a)
        const h = keyOf(s)
        const hash = `${h.a},${h.b}`
        const key = s.key()
        expect(byKey.get(key) ?? hash).toBe(hash)
        expect(byHash.get(hash) ?? key).toBe(key)
        byKey.set(key, hash)
        byHash.set(hash, key)
      }
    }
    expect(byKey.size).toBeGreaterThan(500)
  })

  it('ranks keep each unit’s counters in order, 0 as none, and only what is present', () => {
    const code = (domain: number, value: number): number => domain * 0x10000 + value
    const ranks = new Ranks([[code(0, 7), code(0, 3)], [code(0, 0), code(1, 3), code(0, 7), code(1, 9)]])
    expect([0, 3, 7].map((v) => ranks.of(code(0, v)))).toEqual([0, 1, 2])
    expect([3, 9].map((v) => ranks.of(code(1, v)))).toEqual([1, 2])
    expect(() => ranks.of(code(0, 5))).toThrow(/not collected/)
  })

  it('states merged by counter ranks (their raw counters differ) take the same steps to the same merged states', () => {
    const m = model(2)
    const {keyOf} = keyFunction(m, false)
    const seen = new Map<string, {state: SimState; raw: string}>()
    let pairs = 0
    for (let seed = 1; seed <= 300 && pairs < 20; seed++) {
      const trace = walk(m, seed, 200).trace
      const s = SimState.initial(m, CORRECT)
      for (const a of trace) {
        s.apply(a)
        const h = keyOf(s)
        const id = `${h.a},${h.b}`
        const other = seen.get(id)
        if (other === undefined) {
          seen.set(id, {state: s.clone(), raw: rawKey(s)})
          continue
        }
        if (other.raw === rawKey(s)) continue
        pairs++
        sameFuture(other.state, s, 4)
      }
    }
    // Upgrade races give the same state after different numbers of grants: they do merge.
    expect(pairs).toBeGreaterThan(0)

    function sameFuture(x: SimState, y: SimState, depth: number): void {
      expect(y.enabled()).toEqual(x.enabled())
      expect(keyOf(y)).toEqual(keyOf(x))
      if (depth === 0) return
      for (const a of x.enabled()) {
        const [cx, cy] = [x.clone(), y.clone()]
        const outcome = (c: SimState): string => {
          try {
            c.apply(a)
            return 'ok'
          } catch (e) {
            if (e instanceof ViolationError) return e.violation.kind
            throw e
          }
        }
        expect(outcome(cy)).toBe(outcome(cx))
        sameFuture(cx, cy, depth - 1)
      }
    }
  })
})
