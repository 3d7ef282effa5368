// Every --break variant is found by the model checker, with a short trace that replays to the
// same violation; variants the core/manager of this build do not have yet are refused, never
// run as if they were the correct protocol.
import {describe, expect, it} from 'vitest'
import {BREAK_VARIANTS, type BreakVariant} from '../../src/protocol/break.js'
import {exhaustive, replay} from '../../src/sim/explore.js'
import {makeModel, MODEL_PAGE_SIZE} from '../../src/sim/program.js'
import {MODEL_VARIANTS, protocolFor, UnsupportedVariant} from '../../src/sim/protocol.js'
import type {ModelOp, ViolationKind} from '../../src/sim/types.js'
import type {StatesMode} from '../../src/protocol/types.js'

const round: ModelOp[] = [
  {f: 'read', page: {file: 'a', page: 0}},
  {f: 'write', page: {file: 'a', page: 0}},
  {f: 'read', page: {file: 'a', page: 1}},
]

/** The smallest upgrade-race model that shows each variant, and what it breaks. */
const CASES: Record<BreakVariant, {rounds: number; states: StatesMode; kinds: ViolationKind[]}> = {
  // A mapping left behind by a release is seen at the release itself (the run's coherence rule): one round.
  'skip-invalidate': {rounds: 1, states: 'shared', kinds: ['mapping-without-lock']},
  'stale-read': {rounds: 2, states: 'shared', kinds: ['stale-content']},
  // In shared mode only writers make an EX holder release, and they overwrite the whole page:
  // the lost write is unobservable. In exclusive mode a reader makes it release.
  'skip-writeback': {rounds: 1, states: 'exclusive', kinds: ['stale-content', 'lost-write']},
  'early-grant': {rounds: 1, states: 'shared', kinds: ['single-writer', 'stale-content']},
  'no-conversion-refusal': {rounds: 1, states: 'shared', kinds: ['deadlock']},
}

describe('--break variants in the model', () => {
  for (const variant of Object.keys(BREAK_VARIANTS) as BreakVariant[]) {
    it(variant, () => {
      if (!MODEL_VARIANTS.includes(variant)) {
        expect(() => protocolFor(variant)).toThrow(UnsupportedVariant)
        return
      }
      const c = CASES[variant]
      const program = Array.from({length: c.rounds}, () => round).flat()
      const settings = {granularity: 'page', states: c.states, downgrade: 'unmap', holdTimeUs: 0, pageSize: MODEL_PAGE_SIZE} as const
      const broken = makeModel(settings, [program, program], 'ordered', variant)
      const res = exhaustive(broken, {depth: 10_000, budgetMs: 120_000})
      expect(c.kinds).toContain(res.found?.violation.kind)
      const trace = res.found?.trace ?? []
      expect(trace.length).toBeLessThan(30)
      expect(replay(broken, trace).violation?.kind).toBe(res.found?.violation.kind)
      // The same model without the break is clean.
      expect(exhaustive(makeModel(settings, [program, program], 'ordered', null), {depth: 10_000, budgetMs: 120_000}).found).toBeNull()
    })
  }
})
