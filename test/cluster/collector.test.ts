// The orchestrator's collector of node reports, fed hand-made reports: no Redis, no processes.
import {describe, expect, it} from 'vitest'
import {ReportCollector, type RunEndFacts} from '../../src/cluster/collector.js'
import {emptyCounters} from '../../src/records/counters.js'
import {NO_FINAL_STATE} from '../../src/records/final-state.js'
import type {HistoryEntry, LockEntry} from '../../src/records/history.js'
import {historyToWire, type HistoryReport, type HistoryWire, type RecordBatch} from '../../src/records/messages.js'
import type {RunEvent} from '../../src/records/run.js'
import {addBucketCounts, bucketCounts, decodeHistogram, newHistogram} from '../../src/metrics/histogram.js'

function collector(nodes = 2, policy: 'report' | 'abort' = 'report') {
  const emitted: RunEvent[] = []
  const logged: {type: string; fields: Record<string, unknown>}[] = []
  let elapsed = 0
  let untrusted = false
  // What reached the record store: history entries per process, other records per kind.
  const stored: {history: HistoryWire[]; records: {kind: string; proc: number; rows: readonly unknown[]}[]} = {history: [], records: []}
  const c = new ReportCollector(nodes, policy, {
    emit: (e) => emitted.push(e),
    log: (type, fields) => logged.push({type, fields}),
    elapsedMs: () => elapsed,
    untrusted: () => untrusted,
  }, {
    history: (_node, _proc, entries) => stored.history.push(...entries.rows),
    records: (kind, proc, rows) => void (rows.rows.length > 0 && stored.records.push({kind, proc, rows: rows.rows})),
  })
  return {c, emitted, logged, stored, setElapsed: (ms: number) => (elapsed = ms), distrust: () => (untrusted = true)}
}

const entry = (process: number, time: number, type: HistoryEntry['type'], value: string | null): HistoryEntry => ({index: -1, time, process, type, f: 'write', key: 'a/0', value})
const batch = <T>(rows: readonly T[]): RecordBatch<T> => ({rows, text: JSON.stringify(rows)})
/** A history report as decodeReport gives it. */
const history = (node: number, proc: number | undefined, n: number | undefined, entries: HistoryEntry[], locks: LockEntry[] = []): HistoryReport => ({
  type: 'history', node, proc, batch: n, entries: batch(entries.map(historyToWire)), trace: batch([]), locks: batch(locks), requests: batch([]),
})
const facts = (over: Partial<RunEndFacts> = {}): RunEndFacts => ({
  end: 'completed', durationMs: 10, startUs: 1_000_000, nowUs: 1_010_000, deadProcs: new Set(), deathMs: new Map(), recoveriesMs: [], final: NO_FINAL_STATE, ...over,
})
const done = (node: number, ops: number, proc?: number) => ({type: 'done' as const, node, proc, ops, counters: {...emptyCounters(), ops}, histograms: {corrected: {}, uncorrected: {}}, stopped: false})

describe('ReportCollector', () => {
  it('counts a node\'s ops over its incarnations, and the planned total only when every node knows it', () => {
    const {c} = collector(2)
    c.handle({type: 'ready', node: 0, pid: 1, host: 'h', total: 10})
    c.handle({type: 'ready', node: 1, pid: 2, host: 'h', total: null})
    expect(c.plannedOps()).toBeNull()
    c.handle({type: 'progress', node: 1, proc: 1, ops: 4, latency: {}})
    c.handle({type: 'progress', node: 1, proc: 3, ops: 2, latency: {}}) // node 1's second incarnation (proc 1 + 2 nodes)
    c.handle({type: 'progress', node: 0, proc: 0, ops: 5, latency: {}})
    expect(c.perNode).toEqual([5, 6])
    expect(c.totalOps()).toBe(11)
  })

  it('adds the nodes\' interval bucket counts into one histogram per key per tick, and encodes done histograms', () => {
    const {c} = collector(2)
    const h = newHistogram()
    h.recordValue(120)
    h.recordValue(5000)
    const counts = bucketCounts(h)
    c.handle({type: 'progress', node: 0, ops: 2, latency: {'op:read': counts}})
    c.handle({type: 'progress', node: 1, ops: 2, latency: {'op:read': counts, 'op:write': counts}})
    const {interval} = c.progress(() => null)
    const histogram = (pairs: readonly number[]) => {
      const sum = newHistogram()
      addBucketCounts(sum, pairs)
      return sum
    }
    expect(histogram(interval['op:read']!).totalCount).toBe(4)
    expect(histogram(interval['op:write']!).maxValue).toBeGreaterThanOrEqual(5000)
    expect(c.progress(() => null).interval).toEqual({}) // taken: the next tick starts empty
    c.handle({...done(0, 2), histograms: {corrected: {'op:read': counts}, uncorrected: {'op:read': counts}}})
    const encoded = c.collect(facts(), () => []).nodes[0]!.histograms!
    expect(decodeHistogram(encoded.corrected['op:read']!).totalCount).toBe(2)
  })

  it('puts the latencies a done report holds beyond its progress reports into the next tick, so the last tick ends at the run\'s ops', () => {
    const {c} = collector(1)
    const record = (values: number[]) => {
      const h = newHistogram()
      for (const v of values) h.recordValue(v)
      return h
    }
    c.handle({type: 'progress', node: 0, proc: 0, ops: 2, latency: {'op:write': bucketCounts(record([100, 200]))}})
    expect(c.progress(() => null)).toMatchObject({done: 2})
    // Three more ops after the last progress report: only the done report carries them.
    const all = bucketCounts(record([100, 200, 100, 300, 9000]))
    c.handle({...done(0, 5, 0), histograms: {corrected: {'op:write': all, 'op:read': bucketCounts(record([50]))}, uncorrected: {}}})
    const last = c.progress(() => null)
    expect(last.done).toBe(5)
    const counted = (pairs: readonly number[] | undefined) => {
      const sum = newHistogram()
      addBucketCounts(sum, pairs ?? [])
      return sum
    }
    expect(counted(last.interval['op:write']).totalCount).toBe(3)
    expect(counted(last.interval['op:write']).maxValue).toBeGreaterThanOrEqual(9000)
    expect(counted(last.interval['op:read']).totalCount).toBe(1)
  })

  it('passes records on to the store as they arrive, keeping none, each process\'s batches in their order; a re-sent batch once', () => {
    const {c, stored} = collector(2)
    const lock = {time: 5, node: 1, unit: 'a/0', event: 'grant' as const, mode: 'EX' as const, seq: 1, generation: 0}
    c.handle(history(0, 0, 1, [entry(0, 100, 'invoke', 'x')]))
    c.handle(history(1, 1, 1, [entry(1, 200, 'invoke', 'y')], [lock]))
    c.handle(history(0, 0, 3, [entry(0, 400, 'invoke', 'x')])) // ahead of 2: held
    expect(stored.history.map(([time]) => time)).toEqual([100, 200])
    c.handle(history(0, 0, 2, [entry(0, 300, 'ok', 'x')])) // re-sent after a reconnection, behind 3
    c.handle(history(0, 0, 2, [entry(0, 300, 'ok', 'x')])) // and again
    c.handle(history(0, 0, 1, [entry(0, 100, 'invoke', 'x')]))
    expect(stored.history.map(([time]) => time)).toEqual([100, 200, 300, 400])
    expect(stored.records).toEqual([{kind: 'locks', proc: 1, rows: [lock]}])
    expect(c.collect(facts(), () => [])).not.toHaveProperty('history')
  })

  it('at the run\'s end stores the batches still waiting for one that never came (the store cuts that gap)', () => {
    const {c, stored} = collector(1)
    c.handle(history(0, 0, 1, [entry(0, 100, 'invoke', 'x')]))
    c.handle(history(0, 0, 3, [entry(0, 400, 'invoke', 'x')]))
    expect(stored.history.map(([time]) => time)).toEqual([100])
    c.releaseHeldBatches()
    expect(stored.history.map(([time]) => time)).toEqual([100, 400])
  })

  it('drops history posted while Redis is untrusted (restarted)', () => {
    const {c, distrust, stored} = collector(1)
    distrust()
    c.handle(history(0, undefined, undefined, [entry(0, 100, 'invoke', 'x')]))
    expect(stored.history).toEqual([])
  })

  it('reports the processes whose history the store found cut at a gap', () => {
    const {c} = collector(2)
    expect(c.collect(facts(), () => [], [3]).errors).toEqual([{node: -1, message: expect.stringMatching(/history of processes 3 has a gap/)}])
  })

  it('merges a deadlock reported by each node of the cycle once, and ends the run under abort', () => {
    const {c, emitted, logged, setElapsed} = collector(2, 'abort')
    setElapsed(42)
    const cycle = [{node: 0, unit: 'b/0', wants: 'EX' as const, heldBy: 1, held: 'EX' as const}, {node: 1, unit: 'a/0', wants: 'EX' as const, heldBy: 0, held: 'EX' as const}]
    c.handle({type: 'deadlock', node: 0, id: 7, victim: 1, cycle, op: 'copy', broken: false})
    c.handle({type: 'deadlock', node: 1, id: 7, victim: 1, cycle, op: 'copy', broken: true})
    expect(emitted.filter((e) => e.type === 'deadlock')).toHaveLength(1)
    expect(c.deadlockToAbort).toBe(7)
    const out = c.collect(facts({end: 'deadlocked'}), () => [])
    expect(out.deadlocks).toHaveLength(1)
    expect(out.deadlocks[0]).toMatchObject({id: 7, timeMs: 42, broken: true, ops: {'0': 'copy', '1': 'copy'}})
    expect(logged.map((l) => l.type)).toEqual(['deadlock'])
  })

  it('counts a node to its stopped report: the callbacks it served for others after its own ops, and its final write-back', () => {
    const {c} = collector(2)
    const counters = (release: number, pages: number) => ({...emptyCounters(), ops: 3, callbacks: {release, downgrade: 0}, pagesWrittenBack: pages})
    c.handle({...done(0, 3, 0), counters: counters(2, 2)})
    c.handle({...done(1, 3, 1), counters: counters(1, 1)})
    // Node 0 kept serving node 1 after its done (requests.jsonl has those callbacks); node 1 is an older node without counters in stopped.
    c.handle({type: 'stopped', node: 0, proc: 0, counters: counters(5, 6)})
    c.handle({type: 'stopped', node: 1, proc: 1})
    const out = c.collect(facts(), () => [])
    expect(out.nodes.map((n) => [n.counters.callbacks.release, n.counters.pagesWrittenBack, n.counters.ops])).toEqual([[5, 6, 3], [1, 1, 3]])
    expect(out.totals).toMatchObject({ops: 6, callbacks: {release: 6}, pagesWrittenBack: 7})
  })

  it('sums the counters of done nodes and counts faults and fenced write-backs from the events', () => {
    const {c, logged} = collector(2)
    c.handle({type: 'ready', node: 0, pid: 11, host: 'h', total: 3})
    c.handle(done(0, 3))
    c.handle({type: 'event', node: 1, event: {type: 'writeback-refused', unit: 'a/0'}})
    const out = c.collect(facts({deadProcs: new Set([1]), recoveriesMs: [120]}), () => [{time: '', elapsedMs: 0, timeMs: 0, type: 'kill'}])
    expect(out.totals.ops).toBe(3)
    expect(out.nodes.map((x) => [x.node, x.pid, x.ops])).toEqual([[0, 11, 3], [1, -1, 0]])
    expect(out.faults).toMatchObject({kills: 1, fencedWritebacks: 1, deadProcesses: [1], recoveryMs: [120]})
    expect(logged).toEqual([{type: 'writeback-refused', fields: {type: 'writeback-refused', unit: 'a/0', node: 1}}])
  })

  it('merges a killed incarnation (its last progress: counters and the sum of its buckets) with its restart\'s done report', () => {
    const {c} = collector(2)
    const h = newHistogram()
    h.recordValue(100)
    const one = bucketCounts(h)
    const counters = (hit: number) => ({...emptyCounters(), ops: hit, faults: {...emptyCounters().faults, hit}})
    // Node 1's first incarnation (proc 1) reports twice, then is killed: no done.
    c.handle({type: 'progress', node: 1, proc: 1, ops: 1, latency: {'fault:hit': one}, counters: counters(1)})
    c.handle({type: 'progress', node: 1, proc: 1, ops: 3, latency: {'fault:hit': [...one.slice(0, 1), 2]}, uncorrected: {'fault:hit': [...one.slice(0, 1), 2]}, counters: counters(3)})
    // Its restart (proc 3) finishes.
    c.handle({...done(1, 2, 3), counters: counters(2), histograms: {corrected: {'fault:hit': [...one.slice(0, 1), 2]}, uncorrected: {}}})
    const out = c.collect(facts(), () => [])
    const node1 = out.nodes[1]!
    expect(node1).toMatchObject({ops: 5, incarnations: 2, unfinished: 1})
    expect(node1.counters.faults.hit).toBe(5)
    expect(decodeHistogram(node1.histograms!.corrected['fault:hit']!).totalCount).toBe(5)
    expect(decodeHistogram(node1.histograms!.uncorrected['fault:hit']!).totalCount).toBe(5)
    expect(out.totals.faults.hit).toBe(5)
    expect(out.nodes[0]).toMatchObject({incarnations: 0, histograms: null})
  })

  it('counts the page accesses of each node\'s history, which a killed incarnation\'s counts fall short of', () => {
    const {c} = collector(2)
    // Node 1's first incarnation recorded four accesses, then was killed before any progress report.
    c.handle(history(1, 1, 1, [entry(1, 1, 'invoke', 'a'), entry(1, 2, 'ok', 'a'), entry(1, 3, 'invoke', 'b'), entry(1, 4, 'ok', 'b')]))
    c.handle(history(1, 1, 2, [entry(1, 5, 'invoke', 'c'), entry(1, 6, 'ok', 'c'), entry(1, 7, 'invoke', 'd')]))
    c.handle(history(1, 3, 1, [entry(3, 8, 'invoke', 'e'), entry(3, 9, 'ok', 'e')]))
    c.handle({...done(1, 1, 3), counters: {...emptyCounters(), ops: 1, accesses: 1}})
    const out = c.collect(facts(), () => [])
    expect(out.nodes.map((n) => [n.counters.accesses, n.historyAccesses])).toEqual([[0, 0], [1, 5]])
  })

  it('says what each node was doing when the run is stuck, and logs it at the end', () => {
    const {c, logged} = collector(2)
    c.handle({type: 'progress', node: 0, ops: 1, latency: {}, current: 'write a/0', waits: ['waits for a/0: acquire EX queued']})
    expect(c.noteStuck(500)).toEqual([{node: 0, op: 'write a/0', waits: ['waits for a/0: acquire EX queued']}, {node: 1, op: null, waits: []}])
    c.collect(facts({end: 'stuck'}), () => [])
    expect(logged.map((l) => l.type)).toEqual(['stuck'])
  })
})
