// The model checker in both directions: the correct protocol passes bounded exhaustive checks in
// every mode, and deliberately broken protocols (stubs around the real manager) are found with
// a short trace that replays to the same violation.
import {describe, expect, it} from 'vitest'
import {decide, type ManagerModel} from '../../src/protocol/manager.js'
import type {ManagerRequest} from '../../src/protocol/types.js'
import {exhaustive, random, replay, shrink, walk} from '../../src/sim/explore.js'
import {makeModel, MODEL_PAGE_SIZE} from '../../src/sim/program.js'
import {CORRECT, MODEL_VARIANTS, protocolFor, type Protocol} from '../../src/sim/protocol.js'
import {createRng} from '../../src/workload/random.js'
import {SimState} from '../../src/sim/state.js'
import {formatTrace, parseTrace, type CopyStrategy, type DeadlockPolicy, type ModelConfig, type ModelOp} from '../../src/sim/types.js'
import type {DowngradeStyle, Granularity, StatesMode} from '../../src/protocol/types.js'

const LIMITS = {depth: 10_000, budgetMs: 120_000}

const r = (file: string, page: number): ModelOp => ({f: 'read', page: {file, page}})
const w = (file: string, page: number): ModelOp => ({f: 'write', page: {file, page}})
const copy = (from: string, to: string): ModelOp => ({f: 'copy', from: {file: from, page: 0}, to: {file: to, page: 0}, pages: 1})

function model(programs: ModelOp[][], o: {granularity?: Granularity; states?: StatesMode; downgrade?: DowngradeStyle; copy?: CopyStrategy; onDeadlock?: DeadlockPolicy} = {}): ModelConfig {
  return makeModel(
    {granularity: o.granularity ?? 'page', states: o.states ?? 'shared', downgrade: o.downgrade ?? 'unmap', holdTimeUs: 0, pageSize: MODEL_PAGE_SIZE},
    programs,
    o.copy ?? 'ordered',
    null,
    // Two rounds cover a retry copy's every kind of step (let go, fault in, start over, fall
    // back to ordered) at a fraction of the worker's 32 rounds' states.
    {onDeadlock: o.onDeadlock, retryLimit: 2},
  )
}

/** upgrade-race's round: both nodes read then write a/0, then read a/1 (2 nodes x 2 pages x 3 ops). */
const UPGRADE_RACE = [
  [r('a', 0), w('a', 0), r('a', 1)],
  [r('a', 0), w('a', 0), r('a', 1)],
]
/** 3 nodes x 1 page x 2 ops. */
const THREE_ON_ONE = [
  [r('a', 0), w('a', 0)],
  [w('a', 0), r('a', 0)],
  [r('a', 0), w('a', 0)],
]
const OPPOSITE_COPIES = [
  [w('a', 0), copy('a', 'b')],
  [w('b', 0), copy('b', 'a')],
]
/** copy-ring's round: a -> b, b -> c, c -> a on three nodes. */
const COPY_RING = [[copy('a', 'b')], [copy('b', 'c')], [copy('c', 'a')]]
const FULL = process.env['CMM_MODEL_FULL'] === '1'

/** Wraps the real manager: `bend` may answer instead of it (a deliberately broken manager). */
function brokenManager(bend: (m: ManagerModel, req: ManagerRequest) => ReturnType<typeof decide> | null): Protocol {
  return {...CORRECT, decide: (m, req) => bend(m, req) ?? decide(m, req)}
}

describe('the correct protocol passes the bounded exhaustive check', () => {
  const modes: {granularity: Granularity; states: StatesMode; downgrade: DowngradeStyle}[] = []
  for (const granularity of ['page', 'file'] as const) {
    modes.push({granularity, states: 'shared', downgrade: 'unmap'}, {granularity, states: 'shared', downgrade: 'write-protect'}, {granularity, states: 'exclusive', downgrade: 'unmap'})
  }
  for (const m of modes) {
    // 3 x 1 x 2 is ~200k states a mode: the suite runs it once per states/downgrade style (with
    // one page, file and page granularity lock the same thing); CMM_MODEL_FULL=1 runs them all.
    const threeOnOne = process.env['CMM_MODEL_FULL'] === '1' || (m.granularity === 'page' && m.downgrade !== 'write-protect')
    it(`2 nodes x 2 pages x 3 ops${threeOnOne ? ', and 3 nodes x 1 page x 2 ops' : ''}: ${m.granularity} ${m.states} ${m.downgrade}`, () => {
      for (const programs of threeOnOne ? [UPGRADE_RACE, THREE_ON_ONE] : [UPGRADE_RACE]) {
        const res = exhaustive(model(programs, m), LIMITS)
        expect(res.found?.violation.message ?? null).toBeNull()
        expect(res.complete).toBe(true)
        expect(res.cut).toBe(0)
        expect(res.ends).toBeGreaterThan(0)
        expect(res.distinct).toBeGreaterThan(300)
      }
    })
  }

  it('ordered and retry copies in opposite directions never deadlock', () => {
    const runs: [CopyStrategy, Granularity, StatesMode][] = [['ordered', 'page', 'shared'], ['ordered', 'file', 'exclusive'], ['retry', 'page', 'shared'], ['retry', 'file', 'exclusive']]
    const distinct = new Map<CopyStrategy, number>()
    for (const [copyStrategy, granularity, states] of runs) {
      const res = exhaustive(model(OPPOSITE_COPIES, {granularity, states, copy: copyStrategy}), LIMITS)
      expect(res.found?.violation.message ?? null).toBeNull()
      expect(res.complete && res.cut === 0).toBe(true)
      distinct.set(copyStrategy, res.distinct)
    }
    // Retry's rounds (let go, fault in, start over) are states ordered never reaches.
    expect(distinct.get('retry')).toBeGreaterThan((distinct.get('ordered') ?? 0) * 2)
  })

  it('naive copies whose deadlocks the manager detects and the victim breaks (--on-deadlock report) always finish', () => {
    const m = model(OPPOSITE_COPIES, {copy: 'naive', onDeadlock: 'report'})
    const res = exhaustive(m, LIMITS)
    expect(res.found?.violation.message ?? null).toBeNull()
    expect(res.complete && res.cut === 0).toBe(true)
    // Not vacuous: some walk meets a cycle, and the victim's copy fails and lets go.
    const broken = Array.from({length: 200}, (_, seed) => walk(m, seed + 1, 1000)).find((x) => replay(m, x.trace, true).steps.some((s) => s.said.includes('copy fails')))
    expect(broken?.violation).toBeNull()
  })

  // Retry on the ring is 1.3 M distinct states even at one round (about 2 minutes): bench material.
  it.runIf(FULL)('the three-node copy ring: ordered never deadlocks; naive does, and breaking it lets everyone finish', () => {
    expect(exhaustive(model(COPY_RING, {copy: 'ordered'}), LIMITS).found).toBeNull()
    expect(exhaustive(model(COPY_RING, {copy: 'naive'}), LIMITS).found?.violation.message).toMatch(/wait-for cycle: node \d -> \S+ -> node \d -> \S+ -> node \d -> \S+ -> node \d/)
    expect(exhaustive(model(COPY_RING, {copy: 'naive', onDeadlock: 'report'}), LIMITS).found).toBeNull()
  })

  it('a hold time defers callbacks behind timers: every order of expiry is explored, no violation', () => {
    const settings = {granularity: 'page', states: 'shared', downgrade: 'unmap', pageSize: MODEL_PAGE_SIZE} as const
    const held = exhaustive(makeModel({...settings, holdTimeUs: 20}, UPGRADE_RACE, 'ordered', null), LIMITS)
    expect(held.found?.violation.message ?? null).toBeNull()
    expect(held.complete && held.cut === 0).toBe(true)
    // The timers add states: callbacks wait for them while the nodes go on.
    expect(held.distinct).toBeGreaterThan(exhaustive(makeModel({...settings, holdTimeUs: 0}, UPGRADE_RACE, 'ordered', null), LIMITS).distinct)
  })

  it('state hashing merges interleavings: far fewer distinct states than transitions', () => {
    const res = exhaustive(model(UPGRADE_RACE), LIMITS)
    expect(res.transitions).toBeGreaterThan(res.distinct * 2)
  })
})

describe('violations are found, shrunk and replayed', () => {
  it('naive copies deadlock, with the wait-for cycle named', () => {
    const m = model(OPPOSITE_COPIES, {copy: 'naive'})
    const res = exhaustive(m, LIMITS)
    expect(res.found?.violation.kind).toBe('deadlock')
    expect(res.found?.violation.message).toMatch(/wait-for cycle: node \d -> [ab]\/0 -> node \d -> [ab]\/0 -> node \d/)
    // The trace replays to the same stuck state.
    const again = replay(m, parseTrace(formatTrace(res.found?.trace ?? [])))
    expect(again.violation?.kind).toBe('deadlock')
    // Under --on-deadlock abort the violation is the manager's own report of the cycle.
    const aborted = exhaustive(model(OPPOSITE_COPIES, {copy: 'naive', onDeadlock: 'abort'}), LIMITS)
    expect(aborted.found?.violation.message).toMatch(/manager found a deadlock.*node \d holds [ab]\/0 \(EX\) and waits for [ab]\/0 \(SH\) held by node \d/)
  })

  it('a manager that queues a second upgrade instead of refusing it deadlocks (conversion deadlock)', () => {
    const noRefusal = brokenManager((m, req) => {
      const u = req.type === 'upgrade' ? m.units.get(req.unit) : undefined
      return u !== undefined && u.upgrading !== null && u.upgrading !== req.node ? {reply: {type: 'queued'}, out: []} : null
    })
    const m = model(UPGRADE_RACE)
    const res = exhaustive(m, LIMITS, noRefusal)
    expect(res.found?.violation.kind).toBe('deadlock')
    expect(res.found?.violation.message).toContain('wait-for cycle')
    // The correct manager refuses the same request: no deadlock.
    expect(exhaustive(m, LIMITS).found).toBeNull()
  })

  it('a manager that grants before the holder released breaks single writer, and the shrunk trace replays it', () => {
    const earlyGrant = brokenManager((m, req) => {
      const u = req.type === 'acquire' ? m.units.get(req.unit) : undefined
      if (u !== undefined) {
        u.holders.clear()
        u.upgrading = null
      }
      return null
    })
    const m = model(UPGRADE_RACE)
    const res = exhaustive(m, LIMITS, earlyGrant)
    const found = res.found
    expect(found?.violation.kind).toMatch(/single-writer|stale-content|assertion/)
    if (found == null) return
    const short = shrink(m, found.trace, found.violation.kind, earlyGrant)
    expect(short.length).toBeLessThanOrEqual(found.trace.length)
    expect(replay(m, short, false, earlyGrant).violation?.kind).toBe(found.violation.kind)
    expect(replay(m, short, false, CORRECT).violation).toBeNull()
  })

  it('a release that drops dirty pages loses the write: found by random walks, replayed by seed', () => {
    const dropWrites = brokenManager((m, req) => (req.type === 'demote' && req.writeback.length > 0 ? {reply: {type: 'demoted', accepted: req.writeback.length}, out: decide(m, {...req, writeback: []}).out} : null))
    const m = model(UPGRADE_RACE)
    const res = random(m, 500, 7, {depth: 1000, budgetMs: 60_000}, dropWrites)
    const found = res.found
    expect(found?.violation.kind).toMatch(/stale-content|lost-write/)
    if (found == null || found.seed === null) return
    // The same seed gives the same walk, step for step.
    const again = walk(m, found.seed, 1000, dropWrites)
    expect(formatTrace(again.trace)).toBe(formatTrace(found.trace))
    expect(again.violation).toEqual(found.violation)
  })
})

describe('states', () => {
  it('clone and key: a copy has the same key and diverges independently', () => {
    const s = SimState.initial(model(UPGRADE_RACE), CORRECT)
    for (const a of parseTrace('op0 req0 op1 req1 rep0 rep1')) s.apply(a)
    const c = s.clone()
    expect(c.key()).toBe(s.key())
    const [first] = c.enabled()
    if (first === undefined) throw new Error('nothing enabled')
    c.apply(first)
    expect(c.key()).not.toBe(s.key())
    expect(s.clone().key()).toBe(s.key())
  })

  it('random walks on a larger model find nothing in the correct protocol', () => {
    const programs = [0, 1, 2].map((n) => [r('a', n % 2), w('a', 0), w('b', 0), r('b', 0), copy('a', 'b'), w('a', 1), r('a', 0), {f: 'msync', file: 'a'} as ModelOp])
    const res = random(model(programs, {downgrade: 'write-protect'}), 60, 3, {depth: 5000, budgetMs: 60_000})
    expect(res.found?.violation.message ?? null).toBeNull()
    expect(res.steps).toBeGreaterThan(60 * 20)
  })
})

describe('copies are faithful', () => {
  // If NodeCore or the manager gain state that clone() does not copy, a walk that continues from
  // copies diverges from one that does not: the exhaustive search would then be unsound.
  it('a walk on copies behaves step for step like a walk on the original', () => {
    const programs = [0, 1, 2].map((n) => [r('a', n % 2), w('a', 0), copy('a', 'b'), r('b', 0), w('a', 1), {f: 'msync', file: 'a'} as ModelOp, r('a', 0), w('b', 0)])
    for (const variant of [null, ...MODEL_VARIANTS]) {
      const m = makeModel({granularity: 'page', states: 'shared', downgrade: 'write-protect', holdTimeUs: 0, pageSize: MODEL_PAGE_SIZE}, programs, 'ordered', variant)
      for (let seed = 1; seed <= 10; seed++) {
        const keys = (copyEachStep: boolean): string[] => {
          const rand = createRng(seed)
          let s = SimState.initial(m, protocolFor(variant))
          const out: string[] = []
          for (let step = 0; step < 400; step++) {
            const actions = s.enabled()
            if (actions.length === 0) break
            if (copyEachStep) s = s.clone()
            try {
              s.apply(actions[rand.nextInt(actions.length)] as number)
            } catch (e) {
              out.push(`violation: ${(e as Error).message}`)
              break
            }
            out.push(s.key())
          }
          return out
        }
        expect(keys(true)).toEqual(keys(false))
      }
    }
  })

  // The search expands siblings from one parent: a clone that shares mutable state with its
  // parent (as the manager's wait-for graph once did) changes the parent behind its back.
  it('exploring from copies never changes the state they were copied from', () => {
    for (const copyStrategy of ['naive', 'ordered'] as const) {
      const m = model(OPPOSITE_COPIES, {copy: copyStrategy})
      for (let seed = 1; seed <= 20; seed++) {
        const keys = (exploreSiblings: boolean): string[] => {
          const rand = createRng(seed)
          const s = SimState.initial(m, CORRECT)
          const out: string[] = []
          for (let step = 0; step < 200; step++) {
            const actions = s.enabled()
            if (actions.length === 0) break
            if (exploreSiblings) for (const a of actions) s.clone().apply(a)
            s.apply(actions[rand.nextInt(actions.length)] as number)
            out.push(s.key())
          }
          return out
        }
        expect(keys(true)).toEqual(keys(false))
      }
    }
  })
})
