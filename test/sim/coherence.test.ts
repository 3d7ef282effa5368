// The model checks what the run's coherence check checks: no mapping without the lock it needs
// (RO under SH or EX, RW under EX), mappings a broken release left behind included.
import {describe, expect, it} from 'vitest'
import {exhaustive, replay} from '../../src/sim/explore.js'
import {makeModel, MODEL_PAGE_SIZE} from '../../src/sim/program.js'
import {formatTrace, parseTrace, type ModelOp} from '../../src/sim/types.js'

const r = (page: number): ModelOp => ({f: 'read', page: {file: 'a', page}})
const w = (page: number): ModelOp => ({f: 'write', page: {file: 'a', page}})
/** upgrade-race at --ops 3: read a/0, write a/0, read a/1 on two nodes. */
const ROUND = [r(0), w(0), r(1)]
const settings = {granularity: 'page', states: 'shared', downgrade: 'unmap', holdTimeUs: 0, pageSize: MODEL_PAGE_SIZE} as const

describe('no mapping without its lock', () => {
  // Found by an independent Murphi model of the protocol (issue 17): node 0 keeps its RO mapping
  // after its release, then node 1 maps the page RW. In cmm's actions: both read a/0 (op, req,
  // rep), node 1's write asks to upgrade (op1 req1: the manager calls node 0 back), node 0 reads
  // its grant (rep0) and gets the release callback (msg0), the manager handles its demote (req0)
  // and node 1 receives its upgrade (msg1).
  const MURPHI = 'op1 op0 req1 req0 rep1 op1 req1 rep0 msg0 req0 msg1'

  it('the 11-step skip-invalidate trace fails: node 0 still maps a/0 RO once its release left it holding nothing', () => {
    const m = makeModel(settings, [ROUND, ROUND], 'ordered', 'skip-invalidate')
    const out = replay(m, parseTrace(MURPHI), true)
    expect(out.violation?.kind).toBe('mapping-without-lock')
    expect(out.violation?.message).toMatch(/node 0 maps a\/0 RO but holds a\/0 UN/)
    // Every step up to the release ran; the release (msg0, step 9) is where the rule breaks,
    // before node 1's RW mapping (step 11) makes it a conflicting mapping.
    expect(out.steps.map((s) => s.ran)).toEqual(Array(9).fill(true))
    expect(formatTrace(out.steps.map((s) => s.action))).toBe('op1 op0 req1 req0 rep1 op1 req1 rep0 msg0')
    // The correct protocol runs all 11 steps cleanly: node 1 maps RW once node 0 unmapped.
    const ok = replay(makeModel(settings, [ROUND, ROUND], 'ordered', null), parseTrace(MURPHI), true)
    expect(ok.violation).toBeNull()
    expect(ok.steps.filter((s) => s.ran)).toHaveLength(11)
    expect(ok.steps[10]?.said).toMatch(/node 1 receives grant a\/0 EX .*\(upgrade\)/)
  })

  it('--break skip-invalidate is found at 3 ops (one round), with and without symmetry', () => {
    const m = makeModel(settings, [ROUND, ROUND], 'ordered', 'skip-invalidate')
    for (const symmetry of [true, false]) {
      const res = exhaustive(m, {depth: 10_000, budgetMs: 60_000, symmetry})
      expect(res.found?.violation.kind).toBe('mapping-without-lock')
      expect(res.found?.trace.length).toBe(9)
    }
  })
})
