// The run summary's text lines (src/report/run-text.ts) against the run.json figures they show.
import {describe, expect, it} from 'vitest'
import {costText, summaryText} from '../../src/report/run-text.js'
import {summarize} from '../../src/results/summary.js'
import {emptyCounters} from '../../src/records/counters.js'
import {NO_FINAL_STATE} from '../../src/records/final-state.js'
import type {RunCollected} from '../../src/records/run.js'

describe('run summary text', () => {
  it('says the cost line\'s faults leave out hits, which the faults line counts', () => {
    // pingpong: 3000 page accesses, 1340 of them hits; 3318 round trips over the other 1660.
    const line = costText({faults: 1660, roundTripsPerFault: 1.999, roundTripsPerOp: 1.106, callbacksPerOp: 0.553})
    expect(line).toBe('1.999 Redis round trips per fault past the PTE (1660: every class but hit), 1.106 per op, 0.553 callbacks per op')
  })

  it('says how many of a killed incarnation\'s page accesses history.jsonl has beyond its counts', () => {
    const counters = {...emptyCounters(), ops: 3, accesses: 10}
    const run = {
      runId: 'r', workload: {name: 'kill3', description: '', source: 'k.yaml', cluster: {nodes: 1, granularity: 'page', states: 'shared', downgrade: 'unmap', holdTimeUs: 0, pageSize: 512, copyStrategy: 'ordered'}},
      seed: 1, breakVariant: null, livenessMs: 10_000, warmupMs: 0, redis: {url: 'redis://x', private: true}, startedAt: '', durationMs: 1000, end: 'completed',
      totals: counters, errors: [], final: NO_FINAL_STATE, deadlocks: [], events: [], onDeadlock: 'report',
      nodes: [{node: 0, pid: 1, host: 'h', ops: 3, counters, histograms: null, incarnations: 2, unfinished: 1, historyAccesses: 212}],
    } as unknown as RunCollected
    const text = summaryText(summarize(run, {valid: true, checks: {}}), '/tmp/r', null)
    expect(text).toMatch(/node 0: 3 ops; 2 incarnations; 1 killed or cut off, counted to its last progress report \(counts: 10 page accesses; history\.jsonl: 212\);/)
  })
})
