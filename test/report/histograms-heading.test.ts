// `cmm report histograms` headings: the ops they name must be the ops the op histograms below count;
// the HTML report's tables say which figures come from the records and which from the counters.
import {describe, expect, it} from 'vitest'
import {runHeading, type Shown} from '../../src/report/histograms/text.js'
import type {StoredSummary} from '../../src/report/histograms/load.js'
import {heatSection} from '../../src/report/histograms/html-sections.js'
import type {RunExtras} from '../../src/report/histograms/run-extras.js'

function shown(group: string, over: Partial<StoredSummary>): Shown {
  const summary: StoredSummary = {
    format: 1, runId: 'r1', workload: {name: 'mix3'}, settings: {nodes: 3, granularity: 'page', states: 'shared', downgrade: 'unmap'},
    startedAt: '', durationMs: 3500, end: 'completed', ops: 2400, opsPerSec: 686, checks: {valid: true, checks: {}}, ...over,
  }
  return {run: {id: 'r1', dir: '/tmp/r1', summary, merged: {corrected: {}, uncorrected: {}}, perNode: new Map(), timeline: null}, group, histograms: {corrected: {}, uncorrected: {}}}
}

describe('report histograms heading', () => {
  it('names the ops a --warmup or failures left out of the histograms, and with --node K that node\'s ops', () => {
    const nodes = [{node: 1, ops: 800, counters: {untimedOps: 84, opsFailed: 0}}]
    const warm = {warmupMs: 500, counters: {untimedOps: 278, opsFailed: 0}, nodes}
    expect(runHeading(shown('merged', warm))).toMatch(/, 2400 ops, 686 ops\/s, verdict valid; op histograms: 2122 ops \(278 started in the 500ms warm-up: in none\)$/)
    expect(runHeading(shown('node-1', warm))).toMatch(/verdict valid; node 1: 800 ops; op histograms: 716 ops \(84 started in the 500ms warm-up: in none\)$/)
    expect(runHeading(shown('merged', {counters: {untimedOps: 0, opsFailed: 58}, ops: 362}))).toMatch(/; op histograms: 304 ops \(58 failed: in none\)$/)
    // Every op timed: the heading's ops are the histograms' already.
    expect(runHeading(shown('merged', {counters: {untimedOps: 0, opsFailed: 0}}))).toMatch(/verdict valid$/)
  })
})

describe('report histograms --html heat and counters', () => {
  it('labels the records\' figures in their own words, apart from the counters\' (requests sent vs faults, callbacks received vs answered)', () => {
    const x: RunExtras = {
      seed: 1, command: null, nodes: [], bucketMs: 25, lanes: [], merged: [], units: 1, notes: [],
      counters: [['callbacks answered', 'release 2131']],
      heat: [{unit: 'a/0', accesses: 3419, requests: 2054, callbacks: 2165, writtenBack: 1125}],
    }
    const heat = heatSection(x)
    for (const label of ['page accesses completed (history ok)', 'lock requests sent (acquire, upgrade)', 'callbacks received']) expect(heat).toContain(`<th>${label}</th>`)
    expect(heat).not.toMatch(/faults that asked/)
  })
})
