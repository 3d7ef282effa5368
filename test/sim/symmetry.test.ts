// Symmetry reduction: a state and its images under a permutation of interchangeable nodes hash
// alike (and unlike without it); both modes agree on every verdict of the model tests; the
// reduced search still finds every --break variant; it is off where it would not be sound.
import {describe, expect, it} from 'vitest'
import {BREAK_VARIANTS, type BreakVariant} from '../../src/protocol/break.js'
import {decide, type ManagerModel} from '../../src/protocol/manager.js'
import type {DowngradeStyle, Granularity, ManagerRequest, StatesMode} from '../../src/protocol/types.js'
import {exhaustive, replay, walk} from '../../src/sim/explore.js'
import {makeModel, MODEL_PAGE_SIZE} from '../../src/sim/program.js'
import {CORRECT, protocolFor, type Protocol} from '../../src/sim/protocol.js'
import {keyFunction} from '../../src/sim/search.js'
import {SimState} from '../../src/sim/state.js'
import {describeSymmetry, symmetryBlocker} from '../../src/sim/symmetry.js'
import {action, kindOf, nodeOf, parseTrace, type Action, type ModelConfig, type ModelOp} from '../../src/sim/types.js'

const LIMITS = {depth: 10_000, budgetMs: 120_000}
const r = (file: string, page: number): ModelOp => ({f: 'read', page: {file, page}})
const w = (file: string, page: number): ModelOp => ({f: 'write', page: {file, page}})
const ROUND = [r('a', 0), w('a', 0), r('a', 1)]

function model(programs: ModelOp[][], o: {granularity?: Granularity; states?: StatesMode; downgrade?: DowngradeStyle; holdTimeUs?: number; kills?: number; variant?: BreakVariant} = {}): ModelConfig {
  return makeModel({granularity: o.granularity ?? 'page', states: o.states ?? 'shared', downgrade: o.downgrade ?? 'unmap', holdTimeUs: o.holdTimeUs ?? 0, pageSize: MODEL_PAGE_SIZE}, programs, 'ordered', o.variant ?? null, {kills: o.kills})
}

/** The same trace with node ids permuted. */
function permuted(trace: readonly Action[], perm: readonly number[]): Action[] {
  return trace.map((a) => action(kindOf(a), perm[nodeOf(a)] as number))
}

function hashAfter(m: ModelConfig, trace: readonly Action[], symmetry: boolean): {a: number; b: number} {
  const s = SimState.initial(m, CORRECT)
  for (const a of trace) s.apply(a)
  return keyFunction(m, symmetry).keyOf(s)
}

describe('symmetry reduction', () => {
  it('a state and its images under permutations of the nodes hash alike; without symmetry they do not', () => {
    const m = model([ROUND, ROUND, ROUND], {kills: 1})
    // Walks of 12 steps: locks held and waited for, stamps naming their writers, kills.
    for (let seed = 1; seed <= 10; seed++) {
      const trace = walk(m, seed, 12).trace
      for (const perm of [[1, 0, 2], [2, 1, 0], [1, 2, 0], [2, 0, 1], [0, 2, 1]]) {
        const image = permuted(trace, perm)
        // Interchangeable nodes: the image is a run of the model too.
        expect(replay(m, image).steps.every((s) => s.ran)).toBe(true)
        expect(hashAfter(m, image, true)).toEqual(hashAfter(m, trace, true))
        const moved = trace.some((a) => perm[nodeOf(a)] !== nodeOf(a))
        if (moved) expect(hashAfter(m, image, false)).not.toEqual(hashAfter(m, trace, false))
      }
    }
    // Different states still differ.
    expect(hashAfter(m, parseTrace('op0 req0 rep0'), true)).not.toEqual(hashAfter(m, parseTrace('op0 req0'), true))
  })

  it('is off where it is not sound: different programs, copies (the wait-for graph breaks ties by node id), or when asked', () => {
    expect(symmetryBlocker(model([ROUND, [w('a', 0)]]))).toMatch(/no two nodes run the same program/)
    const cp: ModelOp = {f: 'copy', from: {file: 'a', page: 0}, to: {file: 'b', page: 0}, pages: 1}
    expect(symmetryBlocker(model([[cp], [cp]]))).toMatch(/copies/)
    expect(describeSymmetry(model([ROUND, ROUND]), false)).toMatch(/--no-symmetry/)
    expect(describeSymmetry(model([ROUND, ROUND, [w('a', 1)]]), true)).toMatch(/nodes \{0,1\} run the same program/)
    expect(exhaustive(model([ROUND, [w('a', 0)]]), LIMITS).symmetry).toBe(false)
  })

  const noRefusal: Protocol = {...CORRECT, decide: (m: ManagerModel, req: ManagerRequest) => {
    const u = req.type === 'upgrade' ? m.units.get(req.unit) : undefined
    return u !== undefined && u.upgrading !== null && u.upgrading !== req.node ? {reply: {type: 'queued'}, out: []} : decide(m, req)
  }}
  const cases: [string, () => ModelConfig, Protocol][] = [
    ['upgrade race, page shared unmap', () => model([ROUND, ROUND]), CORRECT],
    ['upgrade race, file shared write-protect', () => model([ROUND, ROUND], {granularity: 'file', downgrade: 'write-protect'}), CORRECT],
    ['upgrade race, exclusive', () => model([ROUND, ROUND], {states: 'exclusive'}), CORRECT],
    ['three nodes on one page', () => model([[r('a', 0), w('a', 0)], [r('a', 0), w('a', 0)], [r('a', 0), w('a', 0)]]), CORRECT],
    ['hold time', () => model([ROUND, ROUND], {holdTimeUs: 20}), CORRECT],
    ['one kill', () => model([ROUND, ROUND], {kills: 1}), CORRECT],
    ['a manager without conversion refusal (deadlock)', () => model([ROUND, ROUND]), noRefusal],
  ]
  for (const [name, make, p] of cases) {
    it(`both modes agree on the verdict, and symmetry merges states: ${name}`, () => {
      const m = make()
      const on = exhaustive(m, {...LIMITS, symmetry: true}, p)
      const off = exhaustive(m, {...LIMITS, symmetry: false}, p)
      expect(on.symmetry).toBe(true)
      expect(on.found?.violation.kind ?? null).toBe(off.found?.violation.kind ?? null)
      expect(on.found?.trace.length ?? null).toBe(off.found?.trace.length ?? null)
      expect(on.complete && off.complete).toBe(true)
      if (off.found === null) expect(on.distinct).toBeLessThan(off.distinct)
    }, 180_000)
  }

  it('the reduced search finds every --break variant, as the full one does, with the same shortest trace length', () => {
    for (const variant of Object.keys(BREAK_VARIANTS) as BreakVariant[]) {
      const rounds = variant === 'stale-read' ? 2 : 1
      const program = Array.from({length: rounds}, () => ROUND).flat()
      const m = model([program, program], {variant, states: variant === 'skip-writeback' ? 'exclusive' : 'shared'})
      const on = exhaustive(m, {...LIMITS, symmetry: true}, protocolFor(variant))
      const off = exhaustive(m, {...LIMITS, symmetry: false}, protocolFor(variant))
      expect(on.found, variant).not.toBeNull()
      expect(on.found?.violation.kind, variant).toBe(off.found?.violation.kind)
      expect(on.found?.trace.length, variant).toBe(off.found?.trace.length)
      // The trace is in real node ids: it replays as it is.
      expect(replay(m, on.found?.trace ?? []).violation?.kind, variant).toBe(on.found?.violation.kind)
    }
  })
})
