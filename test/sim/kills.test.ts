// Node kills in the model checker: the manager declares a killed incarnation dead and purges it
// (docs/PROTOCOL.md "Node loss"), the node restarts empty under a new process id. The correct
// protocol survives kills; a broken purge or a broken fence is found.
import {describe, expect, it} from 'vitest'
import {decide, purge, type ManagerModel} from '../../src/protocol/manager.js'
import type {ManagerRequest} from '../../src/protocol/types.js'
import {exhaustive, random, replay, walk} from '../../src/sim/explore.js'
import {makeModel, MODEL_PAGE_SIZE} from '../../src/sim/program.js'
import {CORRECT, type Protocol} from '../../src/sim/protocol.js'
import {kindOf, parseTrace, type ModelConfig, type ModelOp} from '../../src/sim/types.js'

const LIMITS = {depth: 10_000, budgetMs: 60_000}
const r = (page: number): ModelOp => ({f: 'read', page: {file: 'a', page}})
const w = (page: number): ModelOp => ({f: 'write', page: {file: 'a', page}})

function model(programs: ModelOp[][], kills: number, pauses = 0): ModelConfig {
  return makeModel({granularity: 'page', states: 'shared', downgrade: 'unmap', holdTimeUs: 0, pageSize: MODEL_PAGE_SIZE}, programs, 'ordered', null, {kills, pauses})
}

const round = (): ModelOp[] => [r(0), w(0), r(1)]
/** upgrade-race: both nodes read then write a/0 (an SH -> EX upgrade race), 5 rounds each. */
const UPGRADE_RACE = [Array.from({length: 5}, round).flat(), Array.from({length: 5}, round).flat()]
/** pingpong: two nodes take turns writing and reading one page. */
const PINGPONG = [Array.from({length: 8}, () => [w(0), r(0)]).flat(), Array.from({length: 8}, () => [r(0), w(0)]).flat()]

/** The manager's purge without its grants and callbacks: waiters on a dead node's unit wait forever. */
const PURGE_SKIPS_WAITERS: Protocol = {...CORRECT, purge: (m, node, unit) => ({...purge(m, node, unit), out: []})}

/**
 * No fence: the purge marks the node dead but leaves its hold (and generation) as they were, and
 * the manager judges a dead incarnation's requests as if it were alive: its late write-back,
 * still on the wire when it died, is accepted after its writes were given up for lost.
 */
const NO_FENCE: Protocol = {
  ...CORRECT,
  purge: (m, node, unit) => ({reply: {type: 'purged', held: m.units.get(unit)?.holders.get(node)?.mode ?? null, waiting: false}, out: []}),
  decide: (m, req) => forgetDead(m, req),
}

/** The manager forgets it declared a node dead (the purge is right): a late acquire is granted to nobody. */
const FORGETS_DEAD: Protocol = {...CORRECT, decide: (m, req) => forgetDead(m, req)}

function forgetDead(m: ManagerModel, req: ManagerRequest): ReturnType<typeof decide> {
  if (!m.dead.has(req.node)) return decide(m, req)
  m.dead.delete(req.node)
  try {
    return decide(m, req)
  } finally {
    m.dead.add(req.node)
  }
}

describe('node kills', () => {
  it('random walks with kills find nothing wrong in upgrade-race and pingpong, and really kill', () => {
    for (const programs of [UPGRADE_RACE, PINGPONG]) {
      const res = random(model(programs, 3), 300, 7, LIMITS)
      expect(res.found?.violation.message ?? null).toBeNull()
      expect(res.walks).toBe(300)
    }
    // The walks do kill, and a dead incarnation's write-back still on the wire reaches the
    // manager late and is fenced (stale), in some of them.
    let kills = 0
    let fenced = 0
    for (let seed = 0; seed < 100; seed++) {
      const {trace} = walk(model(UPGRADE_RACE, 3), seed, 10_000)
      kills += trace.filter((a) => kindOf(a) === 'kill').length
      const out = replay(model(UPGRADE_RACE, 3), trace, true)
      expect(out.violation).toBeNull()
      if (out.steps.some((x) => /handles dead node \d+'s (demote|writeback) .* -> stale/.test(x.said))) fenced++
    }
    expect(kills).toBeGreaterThan(50)
    expect(fenced).toBeGreaterThan(0)
  })

  it('pauses past the lease: the paused node\'s daemon answers callbacks under its dead id, and every such write-back is fenced', () => {
    for (const programs of [UPGRADE_RACE, PINGPONG]) {
      const res = random(model(programs, 1, 2), 300, 11, LIMITS)
      expect(res.found?.violation.message ?? null).toBeNull()
    }
    let pauses = 0
    let fenced = 0
    for (let seed = 0; seed < 100; seed++) {
      const {trace} = walk(model(PINGPONG, 0, 2), seed, 10_000)
      pauses += trace.filter((a) => kindOf(a) === 'pause').length
      const out = replay(model(PINGPONG, 0, 2), trace, true)
      expect(out.violation).toBeNull()
      if (out.steps.some((x) => /handles dead node \d+'s (demote|writeback) .* -> stale/.test(x.said))) fenced++
    }
    expect(pauses).toBeGreaterThan(50)
    expect(fenced).toBeGreaterThan(0)
  })

  it('a bounded exhaustive check with one kill passes (2 nodes x 2 pages x 3 ops)', () => {
    const res = exhaustive(model([round(), round()], 1), LIMITS)
    expect(res.found?.violation.message ?? null).toBeNull()
    expect(res.complete).toBe(true)
    // Kills add states: more than the same check without them.
    expect(res.distinct).toBeGreaterThan(exhaustive(model([round(), round()], 0), LIMITS).distinct)
  })

  it('a kill restarts the node under a new process id, with its EX writes not written back lost', () => {
    // node 0 writes a/0 (gets EX), then is killed before anyone asks for it back.
    const m = model([[w(0), r(0)], [r(0)]], 1)
    const trace = 'op0 req0 rep0 kill0 op0 req0 rep0 op1 req1 rep1'
    const out = replay(m, parseTrace(trace), true)
    expect(out.violation).toBeNull()
    const said = out.steps.map((s) => s.said).join('\n')
    expect(said).toContain('node 0 is killed: the manager purges node 0 (writes lost: a/0); it restarts as node 2')
    expect(out.state.pid(0)).toBe(2)
    expect(out.state.manager.dead.has(0)).toBe(true)
  })

  it('a purge that skips granting waiters is found (deadlock)', () => {
    const res = random(model(UPGRADE_RACE, 3), 2000, 1, LIMITS, PURGE_SKIPS_WAITERS)
    expect(res.found?.violation.kind).toBe('deadlock')
    expect(res.found?.trace.some((a) => kindOf(a) === 'kill')).toBe(true)
  })

  it('a manager without fencing accepts a dead incarnation\'s late write-back, and it is found', () => {
    // Its first finding is often the deadlock (the kept hold blocks the others); walks where the
    // dead node's demote was on the wire find the accepted write-back itself.
    const kinds = new Set<string>()
    for (let seed = 0; seed < 300; seed++) {
      const v = walk(model(UPGRADE_RACE, 3), seed, 10_000, NO_FENCE).violation
      if (v !== null) kinds.add(v.kind)
    }
    expect(kinds).toContain('stale-writeback')
    expect(kinds).toContain('deadlock')
    // A paused node's daemon makes late write-backs too: found from pauses alone.
    const paused = random(model(PINGPONG, 0, 2), 2000, 1, LIMITS, NO_FENCE)
    expect(['stale-writeback', 'stale-content', 'deadlock']).toContain(paused.found?.violation.kind)
  })

  it('a manager that forgets its dead grants to a dead incarnation, and it is found', () => {
    const res = random(model(UPGRADE_RACE, 3), 2000, 1, LIMITS, FORGETS_DEAD)
    expect(['deadlock', 'not-quiescent']).toContain(res.found?.violation.kind)
    expect(res.found?.trace.some((a) => kindOf(a) === 'kill')).toBe(true)
  })
})
