// The copy strategies' side-by-side table: its copy count is the one its copy percentiles are of.
import {describe, expect, it} from 'vitest'
import {comparisonText} from '../../src/report/compare-text.js'
import {encodeHistogram, newHistogram} from '../../src/metrics/histogram.js'
import type {RunSummary} from '../../src/results/summary.js'

describe('copy strategy comparison', () => {
  it('names its copy count as the copies timed (failed ones are in no histogram)', () => {
    const h = newHistogram()
    for (let i = 0; i < 60; i++) h.recordValue(20_000)
    const summary = {copies: {strategy: 'naive', retries: 0, fallbacks: 0, opsFailed: 60}, end: 'completed', ops: 362, deadlocks: {count: 60}, checks: {valid: false}} as unknown as RunSummary
    const text = comparisonText([{summary, merged: {corrected: {'op:copy': encodeHistogram(h)}, uncorrected: {}}, dir: '/tmp/r'}])
    const [head, , row] = text.split('\n')
    expect(head).toMatch(/failed ops  copies timed  copy p50/)
    expect(row).toMatch(/^naive\s+completed\s+362\s+60\s+0\s+60\s+60\s+20\.\d+ ms/)
  })
})
