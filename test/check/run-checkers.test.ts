// The run checkers on hand-made traces: each must pass a correct trace and fail a broken one.
import {describe, expect, it} from 'vitest'
import type {HistoryEntry, LockEntry, TraceEntry} from '../../src/records/history.js'
import {NO_FINAL_STATE, type FinalState} from '../../src/records/final-state.js'
import {checkCoherence} from '../../src/check/run/coherence.js'
import {checkLostWrites} from '../../src/check/run/lost-writes.js'
import {checkLiveness} from '../../src/check/run/liveness.js'
import {runChecks} from '../../src/check/run-checks.js'

const MS = 1e6

function lock(time: number, node: number, event: LockEntry['event'], mode: LockEntry['mode'], seq: number, unit = 'a/0', generation = 0): LockEntry {
  return {time: time * MS, node, unit, event, mode, seq, generation}
}

function pte(time: number, node: number, from: TraceEntry['from'], to: TraceEntry['to'], seq: number, key = 'a/0', unit = 'a/0'): TraceEntry {
  return {time: time * MS, node, key, from, to, unit, seq, generation: 0}
}

/** Node 0 holds a/0 EX from 0 to 10 (writes), node 1 from 12 to 20 (reads). */
const GOOD_LOCKS = [lock(0, 0, 'grant', 'EX', 1), lock(10, 0, 'release', 'UN', 1), lock(12, 1, 'grant', 'SH', 2), lock(20, 1, 'release', 'UN', 2)]
const GOOD_TRACE = [pte(1, 0, 'none', 'RW', 1), pte(10, 0, 'RW', 'none', 1), pte(13, 1, 'none', 'RO', 2), pte(20, 1, 'RO', 'none', 2)]

describe('coherence checker', () => {
  it('passes one writer then one reader, each mapping inside its hold', () => {
    const r = checkCoherence(GOOD_TRACE, GOOD_LOCKS)
    expect(r.valid).toBe(true)
    expect(r.counts).toMatchObject({holds: 2, mappings: 2})
  })

  it('passes many readers at once, an upgrade, and a write-protecting downgrade', () => {
    const locks = [
      lock(0, 0, 'grant', 'SH', 1), lock(0, 1, 'grant', 'SH', 2), lock(5, 1, 'release', 'UN', 2),
      lock(6, 0, 'upgrade', 'EX', 1), lock(9, 0, 'downgrade', 'SH', 1), lock(10, 2, 'grant', 'SH', 3),
    ]
    const trace = [
      pte(1, 0, 'none', 'RO', 1), pte(1, 1, 'none', 'RO', 2), pte(5, 1, 'RO', 'none', 2),
      pte(7, 0, 'RO', 'RW', 1), pte(9, 0, 'RW', 'RO', 1), pte(11, 2, 'none', 'RO', 3),
    ]
    expect(checkCoherence(trace, locks).valid).toBe(true)
  })

  it('finds two nodes holding one unit EX at once (early-grant)', () => {
    const locks = [lock(0, 0, 'grant', 'EX', 1), lock(5, 1, 'grant', 'EX', 2), lock(10, 0, 'release', 'UN', 1)]
    const r = checkCoherence([], locks)
    expect(r.valid).toBe(false)
    expect(r.counts['conflicting-holds']).toBe(1)
    expect(r.violations[0]).toMatchObject({kind: 'conflicting-holds', unit: 'a/0'})
    expect(r.summary).toMatch(/node 0 held EX .* while node 1 held EX/)
  })

  it('finds an RW mapping beside another node\'s mapping, and a mapping that outlives its lock (skip-invalidate)', () => {
    // Node 0 released at 10 but its RW PTE stayed until the end.
    const trace = [pte(1, 0, 'none', 'RW', 1), pte(13, 1, 'none', 'RO', 2), pte(20, 1, 'RO', 'none', 2)]
    const r = checkCoherence(trace, GOOD_LOCKS)
    expect(r.valid).toBe(false)
    expect(r.counts['mapping-outlives-lock']).toBe(1)
    expect(r.counts['conflicting-mappings']).toBe(1)
    expect(r.violations.map((v) => (v as {kind: string}).kind).sort()).toEqual(['conflicting-mappings', 'mapping-outlives-lock'])
  })

  it('finds an RW mapping kept after a downgrade to SH', () => {
    const locks = [lock(0, 0, 'grant', 'EX', 1), lock(5, 0, 'downgrade', 'SH', 1)]
    const r = checkCoherence([pte(1, 0, 'none', 'RW', 1)], locks)
    expect(r.valid).toBe(false)
    expect(r.violations[0]).toMatchObject({kind: 'mapping-outlives-lock', lockEnd: 5 * MS})
  })

  it('finds mappings made with no lock, or RW under SH', () => {
    const noLock = checkCoherence([pte(1, 0, 'none', 'RO', 7)], GOOD_LOCKS)
    expect(noLock.valid).toBe(false)
    expect(noLock.violations[0]).toMatchObject({kind: 'mapping-without-lock'})
    const rwUnderSh = checkCoherence([pte(14, 1, 'none', 'RW', 2)], GOOD_LOCKS)
    expect(rwUnderSh.valid).toBe(false)
    expect(rwUnderSh.violations[0]).toMatchObject({kind: 'mapping-without-lock'})
    const beforeGrant = checkCoherence([pte(11, 1, 'none', 'RO', 2), pte(13, 1, 'RO', 'none', 2)], GOOD_LOCKS)
    expect(beforeGrant.valid).toBe(false)
  })
})

function op(time: number, process: number, type: HistoryEntry['type'], f: HistoryEntry['f'], value: string | null, key = 'a/0'): HistoryEntry {
  return {index: -1, time: time * MS, process, type, f, key, value}
}

const flushed = (disk: Record<string, string | null>): FinalState => ({...NO_FINAL_STATE, flushed: true, disk})

describe('no-lost-writes checker', () => {
  const history = [op(0, 0, 'invoke', 'write', 'n0:1'), op(1, 0, 'ok', 'write', 'n0:1'), op(2, 1, 'invoke', 'write', 'n1:1'), op(3, 1, 'ok', 'write', 'n1:1')]

  it('passes when the disk holds the last write, and null for a never-written page', () => {
    const r = checkLostWrites(history, flushed({'a/0': 'n1:1', 'a/1': null}))
    expect(r.valid).toBe(true)
    expect(r.counts).toMatchObject({pages: 2, writes: 2, lost: 0})
  })

  it('finds a page whose last write is not on the disk (skip-writeback)', () => {
    for (const disk of ['n0:1', null]) {
      const r = checkLostWrites(history, flushed({'a/0': disk}))
      expect(r.valid).toBe(false)
      expect(r.violations[0]).toMatchObject({key: 'a/0', disk, expected: ['n1:1']})
    }
  })

  it('accepts either of two overlapping last writes, and a write cut short', () => {
    const overlapping = [op(0, 0, 'invoke', 'write', 'n0:1'), op(0.5, 1, 'invoke', 'write', 'n1:1'), op(1, 0, 'ok', 'write', 'n0:1'), op(2, 1, 'ok', 'write', 'n1:1')]
    expect(checkLostWrites(overlapping, flushed({'a/0': 'n0:1'})).valid).toBe(true)
    expect(checkLostWrites(overlapping, flushed({'a/0': 'n1:1'})).valid).toBe(true)
    const cut = [...history, op(4, 0, 'invoke', 'write', 'n0:2')]
    expect(checkLostWrites(cut, flushed({'a/0': 'n0:2'})).valid).toBe(true)
    expect(checkLostWrites(cut, flushed({'a/0': 'n1:1'})).valid).toBe(true)
    expect(checkLostWrites(cut, flushed({'a/0': 'n0:1'})).valid).toBe(false)
  })

  it('is unknown without a final flush', () => {
    expect(checkLostWrites(history, NO_FINAL_STATE).valid).toBe('unknown')
  })
})

describe('liveness checker', () => {
  const run = {end: 'completed' as const, durationMs: 50, livenessMs: 10, final: NO_FINAL_STATE}
  const fast = [op(0, 0, 'invoke', 'read', null), op(2, 0, 'ok', 'read', null)]

  it('passes when every op completes within the bound', () => {
    const r = checkLiveness(fast, run)
    expect(r.valid).toBe(true)
    expect(r.counts).toMatchObject({ops: 1, slow: 0, maxLatencyMs: 2})
  })

  it('says its count and slowest are page accesses (history.jsonl), which a copy makes several of, not ops', () => {
    // A copy of two pages: two accesses of 2 ms each, the op itself 4 ms (the op:copy histogram's figure).
    const copy = [op(0, 0, 'invoke', 'read', null), op(2, 0, 'ok', 'read', null), op(2, 0, 'invoke', 'write', null), op(4, 0, 'ok', 'write', null)]
    const r = checkLiveness(copy, run)
    expect(r.counts).toMatchObject({ops: 2, maxLatencyMs: 2})
    expect(r.summary).toBe('every page access completed within 0.01s (slowest 2ms, history.jsonl)')
    const slow = checkLiveness([...copy, op(5, 1, 'invoke', 'write', 'n1:1'), op(30, 1, 'ok', 'write', 'n1:1')], run)
    expect(slow.summary).toMatch(/^1 page accesses over the 0.01s bound/)
  })

  it('finds an op slower than the bound', () => {
    const r = checkLiveness([...fast, op(3, 1, 'invoke', 'write', 'n1:1'), op(30, 1, 'ok', 'write', 'n1:1')], run)
    expect(r.valid).toBe(false)
    expect(r.violations[0]).toMatchObject({kind: 'slow-op', process: 1, f: 'write', tookMs: 27})
  })

  it('reports a stuck run with what each node and the manager were waiting for', () => {
    const final: FinalState = {
      ...NO_FINAL_STATE,
      waits: [{node: 1, units: [{unit: 'a/0', mode: 'SH', seq: 2, generation: 0, grantTime: 0, holders: 1, pins: [], inflight: {request: 'upgrade', detail: 'SH->EX queued'}, callback: null, blocked: false, waiting: [{op: 'access', id: 3, on: 'unit'}], pages: []}]}],
      manager: {'a/0': {generation: 0, seq: 2, holders: [{node: 0, mode: 'SH', seq: 1, callback: 'release'}, {node: 1, mode: 'SH', seq: 2, callback: 'none'}], queue: [], upgrading: 0}},
    }
    const pending = [op(0, 1, 'invoke', 'write', 'n1:1')]
    const r = checkLiveness(pending, {...run, end: 'stuck', final})
    expect(r.valid).toBe(false)
    expect(r.summary).toMatch(/stuck/)
    expect(r.violations[0]).toMatchObject({kind: 'stuck'})
    const waits = (r.violations[0] as {waits: string[]}).waits
    expect(waits[0]).toMatch(/node 1 unit a\/0: held SH seq 2, upgrade in flight \(SH->EX queued\), 1 ops waiting; manager: holders 0:SH\(release asked\),1:SH, queue empty, upgrading 0/)
    expect(r.violations[1]).toMatchObject({kind: 'never-completed', process: 1})
  })

  it('counts an op cut short (`info` at the run\'s end) against the bound like one never completed', () => {
    const stuck = [...fast, op(5, 1, 'invoke', 'write', 'n1:1'), op(40, 1, 'info', 'write', 'n1:1')]
    const r = checkLiveness(stuck, {...run, end: 'interrupted'})
    expect(r.valid).toBe(false)
    expect(r.violations[0]).toMatchObject({kind: 'never-completed', process: 1, pendingMs: 35})
    expect(r.counts).toMatchObject({ops: 1, incomplete: 1})
  })

  it('is unknown for an interrupted run whose pending ops were still within the bound', () => {
    const r = checkLiveness([...fast, op(45, 1, 'invoke', 'read', null)], {...run, end: 'interrupted'})
    expect(r.valid).toBe('unknown')
    expect(r.counts.incomplete).toBe(1)
  })

  it('judges a run ended early on request (interrupted, every node written back) like a completed one', () => {
    const ended = {...run, end: 'interrupted' as const, final: {...NO_FINAL_STATE, flushed: true, disk: {}}}
    const r = checkLiveness(fast, ended)
    expect(r.valid).toBe(true)
    expect(r.summary).toMatch(/ended early/)
    // Its nodes finished their ops in flight: one left open is a violation, as in a completed run.
    expect(checkLiveness([...fast, op(45, 1, 'invoke', 'read', null)], ended).valid).toBe(false)
  })
})

describe('all checks of a run', () => {
  it('combine: a valid run is valid; one broken checker makes it invalid; missing files make it unknown', () => {
    const history = [op(0, 0, 'invoke', 'write', 'n0:1'), op(1, 0, 'ok', 'write', 'n0:1'), op(13, 1, 'invoke', 'read', null), op(14, 1, 'ok', 'read', 'n0:1')]
    const good = {history, trace: GOOD_TRACE, locks: GOOD_LOCKS, final: flushed({'a/0': 'n0:1'}), end: 'completed' as const, durationMs: 30, livenessMs: 10_000}
    const ok = runChecks(good, {timeoutMs: 10_000})
    expect(ok.valid).toBe(true)
    // Counted in history.jsonl's page accesses (a copy makes several), not in the run's ops.
    expect(ok.checks.linearizable?.summary).toBe('2 page accesses on 1 page linearizable (history.jsonl)')
    expect(Object.keys(ok.checks)).toEqual(['coherence', 'linearizable', 'no-lost-writes', 'liveness', 'deadlock'])
    const stale = runChecks({...good, history: [...history.slice(0, 3), op(14, 1, 'ok', 'read', null)]}, {timeoutMs: 10_000})
    expect(stale.valid).toBe(false)
    expect(stale.checks.linearizable?.valid).toBe(false)
    const unrecorded = runChecks({...good, locks: null, final: null}, {timeoutMs: 10_000})
    expect(unrecorded.valid).toBe('unknown')
    expect(unrecorded.checks.coherence?.summary).toMatch(/locks\.jsonl/)
  })
})
