// The HTML report's over-time series: a second with no ops, or seconds the timeline folded into one
// wide tick (no progress reached the orchestrator), are gaps (null points), never a line across.
import {describe, expect, it} from 'vitest'
import {htmlReport} from '../../src/report/histograms/html.js'
import type {Shown} from '../../src/report/histograms/text.js'
import type {StoredRun} from '../../src/report/histograms/load.js'
import {LatencyRecorder} from '../../src/metrics/recorder.js'
import {encodeCounts} from '../../src/metrics/histogram.js'
import type {TimelineRow} from '../../src/results/timeline.js'

function hist(): Record<string, string> {
  const r = new LatencyRecorder()
  r.record('read', null, 100)
  return encodeCounts(r.snapshot()).corrected
}

const tick = (t: number, ops: number, widthMs = 1000, h: Record<string, string> = hist()): TimelineRow => ({kind: 'tick', t, widthMs, ops, hist: h})

function chartsOf(timeline: TimelineRow[]): {id: string; series: {name: string; points: ([number, number] | null)[]}[]}[] {
  const summary = {format: 1, runId: 'r', workload: {name: 'w'}, settings: {nodes: 1, granularity: 'page', states: 'shared', downgrade: 'unmap'}, startedAt: '', durationMs: 9000, end: 'completed', ops: 60, opsPerSec: 6, checks: {valid: true as const, checks: {}}}
  const run: StoredRun = {id: 'r', dir: '/nonexistent', summary, merged: {corrected: hist(), uncorrected: hist()}, perNode: new Map(), timeline}
  const shown: Shown = {run, group: 'merged', histograms: run.merged}
  const page = htmlReport([shown], [])
  return JSON.parse(/<script type="application\/json" id="chart-data">(.*?)<\/script>/s.exec(page)![1]!)
}

describe('HTML report over-time series', () => {
  it('a tick without ops and seconds folded into a wide tick are gaps', () => {
    const charts = chartsOf([tick(1000, 10), tick(2000, 20), tick(3000, 20, 1000, {}), tick(4000, 30), tick(5000, 40), tick(8000, 50, 3000), tick(9000, 60)])
    const p50 = charts.find((c) => c.id === 'latency-0')!.series[0]!.points
    expect(p50.map((p) => (p === null ? null : p[0]))).toEqual([1, 2, null, 4, 5, null, 8, 9])
    const ops = charts.find((c) => c.id === 'throughput')!.series[0]!.points
    // The empty second is a measured 0 ops/s; the folded seconds are a gap before their tick.
    expect(ops.map((p) => (p === null ? null : p[1]))).toEqual([10, 10, 0, 10, 10, null, 10 / 3, 10])
  })

  it('a last tick cut at the run\'s end is no gap, and its ops/s are over the time it lasted', () => {
    const charts = chartsOf([tick(1000, 10), tick(2000, 20), tick(3000, 30), tick(4000, 40), tick(5000, 50), tick(5500, 55, 500)])
    const ops = charts.find((c) => c.id === 'throughput')!.series[0]!.points
    expect(ops).toEqual([[1, 10], [2, 10], [3, 10], [4, 10], [5, 10], [5.5, 10]])
  })
})
