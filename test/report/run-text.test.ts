// The run summary's text lines (src/report/run-text.ts) against the run.json figures they show.
import {describe, expect, it} from 'vitest'
import {costText, summaryText} from '../../src/report/run-text.js'
import {summarize} from '../../src/results/summary.js'
import {emptyCounters, type NodeCounters} from '../../src/records/counters.js'
import {NO_FINAL_STATE} from '../../src/records/final-state.js'
import type {RunCollected} from '../../src/records/run.js'

/** The summary text of a one-node run with these counters (what run.json and the summary are made from). */
function textOf(counters: NodeCounters, node: Record<string, unknown> = {}): string {
  const run = {
    runId: 'r', workload: {name: 'w', description: '', source: 'w.yaml', cluster: {nodes: 1, granularity: 'page', states: 'shared', downgrade: 'unmap', holdTimeUs: 0, pageSize: 512, copyStrategy: 'ordered'}},
    seed: 1, breakVariant: null, livenessMs: 10_000, warmupMs: 0, redis: {url: 'redis://x', private: true}, startedAt: '', durationMs: 1000, end: 'completed',
    totals: counters, errors: [], final: NO_FINAL_STATE, deadlocks: [], events: [], onDeadlock: 'report',
    nodes: [{node: 0, pid: 1, host: 'h', ops: counters.ops, counters, histograms: null, ...node}],
  } as unknown as RunCollected
  return summaryText(summarize(run, {valid: true, checks: {}}), '/tmp/r', null)
}

describe('run summary text', () => {
  it('says the cost line\'s faults leave out hits, which the faults line counts', () => {
    // pingpong: 3000 page accesses, 1340 of them hits; 3318 round trips over the other 1660.
    const line = costText({faults: 1660, roundTripsPerFault: 1.999, roundTripsPerOp: 1.106, callbacksPerOp: 0.553})
    expect(line).toBe('1.999 Redis round trips per fault past the PTE (1660: every class but hit), 1.106 per op, 0.553 callbacks per op')
  })

  it('says how many of a killed incarnation\'s page accesses history.jsonl has beyond its counts', () => {
    const text = textOf({...emptyCounters(), ops: 3, accesses: 10}, {incarnations: 2, unfinished: 1, historyAccesses: 212})
    expect(text).toMatch(/node 0: 3 ops; 2 incarnations; 1 killed or cut off, counted to its last progress report \(counts: 10 page accesses; history\.jsonl: 212\);/)
  })

  it('says how many page accesses ended in no fault class (failed to break a deadlock), so the classes need not sum to the accesses', () => {
    const faults = {...emptyCounters().faults, hit: 700, 'after-callback': 36}
    const text = textOf({...emptyCounters(), ops: 362, accesses: 794, faults, opsFailed: 58})
    expect(text).toMatch(/^faults: hit 700, .* count the same accesses; 58 more page accesses ended in no class: failed to break a deadlock, or cut short \(by a lost lease, a kill, a stuck run's end\)\)$/m)
  })
})
