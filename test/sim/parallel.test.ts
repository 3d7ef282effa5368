// The parallel search (worker threads, one shared visited table, work stealing) reaches the
// verdicts, the distinct-state counts and the shortest counterexample lengths of the
// single-threaded one.
import {describe, expect, it} from 'vitest'
import {exhaustiveParallel} from '../../src/sim/parallel.js'
import {makeModel, MODEL_PAGE_SIZE} from '../../src/sim/program.js'
import {exhaustive} from '../../src/sim/search.js'
import {replay} from '../../src/sim/explore.js'
import type {BreakVariant} from '../../src/protocol/break.js'
import type {ModelOp} from '../../src/sim/types.js'

const r = (page: number): ModelOp => ({f: 'read', page: {file: 'a', page}})
const w = (page: number): ModelOp => ({f: 'write', page: {file: 'a', page}})
const ROUND = [r(0), w(0), r(1)]
const LIMITS = {depth: 10_000, budgetMs: 120_000}

function model(programs: ModelOp[][], variant: BreakVariant | null = null, states: 'shared' | 'exclusive' = 'shared') {
  return makeModel({granularity: 'page', states, downgrade: 'unmap', holdTimeUs: 0, pageSize: MODEL_PAGE_SIZE}, programs, 'ordered', variant)
}

describe('parallel exhaustive search', () => {
  it('proves the correct protocol with the same distinct states as one thread, with and without symmetry', async () => {
    for (const symmetry of [true, false]) {
      const m = model([ROUND, ROUND])
      const one = exhaustive(m, {...LIMITS, symmetry})
      const two = await exhaustiveParallel(m, {...LIMITS, symmetry}, 2)
      expect(two.found).toBeNull()
      expect(two.complete).toBe(true)
      expect(two.workers).toBe(2)
      expect(two.distinct).toBe(one.distinct)
      expect(two.ends).toBeGreaterThan(0)
    }
  }, 120_000)

  it('finds a broken variant with the shortest trace the single-threaded search finds, replayable', async () => {
    for (const [variant, states] of [['skip-invalidate', 'shared'], ['skip-writeback', 'exclusive']] as const) {
      const m = model([ROUND, ROUND], variant, states)
      const one = exhaustive(m, LIMITS)
      const two = await exhaustiveParallel(m, LIMITS, 2)
      expect(two.found?.violation.kind, variant).toBe(one.found?.violation.kind)
      expect(two.found?.trace.length, variant).toBe(one.found?.trace.length)
      expect(replay(m, two.found?.trace ?? []).violation?.kind, variant).toBe(two.found?.violation.kind)
    }
  }, 120_000)

  it('stops at the budget without a verdict', async () => {
    const res = await exhaustiveParallel(model([ROUND, ROUND, ROUND]), {...LIMITS, budgetMs: 300}, 2)
    expect(res.complete).toBe(false)
    expect(res.found).toBeNull()
  }, 60_000)
})
