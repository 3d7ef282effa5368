// The live view's model and screen, without a run: events in, frames out (ink-testing-library).
import {describe, expect, it} from 'vitest'
import {render} from 'ink-testing-library'
import {LATENCY_REFRESH_MS, LATENCY_WINDOW_TICKS, LiveModel} from '../../src/tui/model.js'
import {LiveView, layoutRows} from '../../src/tui/LiveView.js'
import {liveSummary, BUSY_UNITS_MAX} from '../../src/records/live.js'
import type {NodeLive, RunEvent} from '../../src/records/run.js'
import type {UnitSnapshot} from '../../src/protocol/node-core.js'
import {LatencyRecorder} from '../../src/metrics/recorder.js'
import {sparkline} from '../../src/tui/format.js'
import {plannedDurationMs} from '../../src/tui/planned.js'
import {parseWorkload} from '../../src/workload/parse.js'

const loadWorkloadText = (text: string) => parseWorkload(text, 'inline.yaml')

function unit(u: Partial<UnitSnapshot> & {unit: string}): UnitSnapshot {
  return {mode: 'UN', seq: 1, generation: 1, grantTime: 0, holders: 0, pins: [], inflight: null, callback: null, blocked: false, waiting: [], pages: [], ...u}
}

function progress(elapsedMs: number, perNode: number[], nodes: NodeLive[], latencyUs: number[] = []): RunEvent {
  const rec = new LatencyRecorder()
  for (const us of latencyUs) rec.record('read', 'acquired', us)
  return {type: 'progress', elapsedMs, done: perNode.reduce((a, b) => a + b, 0), total: 4000, perNode, interval: rec.takeInterval().corrected, nodes}
}

const busyA = liveSummary([
  unit({unit: 'a/0', mode: 'EX', holders: 1, waiting: [{op: 'access', id: 3, on: 'unit'}, {op: 'access', id: 4, on: 'unit'}], callback: {kind: 'release', seq: 2}}),
  unit({unit: 'a/1', mode: 'SH'}),
], false)
const busyB = liveSummary([unit({unit: 'a/0', mode: 'UN', inflight: {request: 'acquire', detail: 'EX queued'}, waiting: [{op: 'access', id: 9, on: 'unit'}]})], false)

function model(): LiveModel {
  const m = new LiveModel('demo', 4)
  m.onEvent({type: 'started', runId: '20261125-000000-abcd', nodes: [0, 1, 2, 3].map((node) => ({node, pid: 100 + node, host: 'h'}))})
  const nodes = (ops: number[]): NodeLive[] => ops.map((o, node) => ({node, state: 'alive', ops: o, summary: node === 0 ? busyA : node === 1 ? busyB : null}))
  m.onEvent(progress(200, [100, 100, 100, 100], nodes([100, 100, 100, 100]), [100, 200, 300]))
  m.onEvent(progress(400, [200, 210, 190, 200], nodes([200, 210, 190, 200]), [1000, 5000, 20_000]))
  return m
}

describe('node live summary', () => {
  it('counts held locks and keeps only busy units, busiest first, bounded', () => {
    expect(busyA.locksHeld).toBe(2)
    expect(busyA.busy.map((b) => b.unit)).toEqual(['a/0']) // a/1 is held but idle
    expect(busyA.busy[0]).toMatchObject({waiters: 2, callback: 'release', holders: 1})
    const many = liveSummary(Array.from({length: 30}, (_, i) => unit({unit: `b/${i}`, mode: 'EX', holders: 1, waiting: i === 17 ? [{op: 'pin', id: 1, on: 'unit'}] : []})), true)
    expect(many.busy).toHaveLength(BUSY_UNITS_MAX)
    expect(many.busyTotal).toBe(30)
    expect(many.busy[0]!.unit).toBe('b/17')
    expect(many.paused).toBe(true)
  })
})

describe('live model', () => {
  it('derives progress, ETA, node rates, busy units across nodes and windowed latency', () => {
    const s = model().snapshot()
    expect(s.phase).toBe('running')
    expect(s.done).toBe(800)
    expect(s.opsPerSec).toBe(2000) // 400 ops in 200 ms
    expect(s.etaMs).toBe(1600) // 3200 to go at 2000/s
    expect(s.nodes.map((n) => n.opsPerSec)).toEqual([500, 550, 450, 500])
    expect(s.nodes[0]!.locksHeld).toBe(2)
    expect(s.units[0]).toEqual({unit: 'a/0', holders: ['n0:EX', 'n1:EX?'], waiters: 3, callbacks: ['n0:release']})
    const read = s.latency.find((l) => l.key === 'op:read')!
    expect(read.p.count).toBe(6) // both ticks are in the window
    expect(read.p.max).toBeGreaterThanOrEqual(19_990)
    expect(s.spark).toEqual([2000])
  })

  it('live percentiles cover only the last LATENCY_WINDOW_TICKS ticks and refresh at a bounded rate', () => {
    const m = new LiveModel('w', 1)
    const nodes: NodeLive[] = [{node: 0, state: 'alive', ops: 0, summary: null}]
    m.onEvent(progress(200, [1], nodes, [50_000])) // one slow op, first tick
    expect(m.snapshot().latency.find((l) => l.key === 'op:read')!.p.max).toBeGreaterThanOrEqual(49_000)
    m.onEvent(progress(200 + LATENCY_REFRESH_MS / 2, [2], nodes, [100]))
    // Less than LATENCY_REFRESH_MS since the rows were computed: still the old rows.
    expect(m.snapshot().latency.find((l) => l.key === 'op:read')!.p.count).toBe(1)
    for (let i = 1; i < LATENCY_WINDOW_TICKS; i++) m.onEvent(progress(200 + LATENCY_REFRESH_MS + 200 * i, [2 + i], nodes, [100]))
    const read = m.snapshot().latency.find((l) => l.key === 'op:read')!
    expect(read.p.count).toBe(LATENCY_WINDOW_TICKS) // the slow op's tick was evicted
    expect(read.p.max).toBeLessThan(200)
  })

  it('logs pauses, node completion, errors and verdicts as events', () => {
    const m = model()
    m.onEvent({type: 'paused', elapsedMs: 500, paused: true})
    expect(m.snapshot().phase).toBe('paused')
    m.onEvent({type: 'paused', elapsedMs: 900, paused: false})
    m.onEvent({type: 'node-done', elapsedMs: 1000, node: 2, ops: 1000})
    m.onEvent({type: 'node-error', node: 3, message: 'boom'})
    m.onEvent({type: 'check', name: 'linearizable', valid: false, summary: '1 violation'})
    const s = m.snapshot()
    expect(s.nodes[2]!.state).toBe('done')
    expect(s.events.map((e) => e.text)).toEqual(expect.arrayContaining(['resumed', 'node 2 done: 1000 ops', 'node 3 error: boom', 'check linearizable: INVALID: 1 violation']))
    expect(s.events.find((e) => e.text.startsWith('check'))!.level).toBe('bad')
  })
})

describe('live view screen', () => {
  it('fits 80x24 with every section present', () => {
    const {lastFrame, unmount} = render(<LiveView snap={model().snapshot()} width={80} height={24} keys />)
    const frame = lastFrame() ?? ''
    unmount()
    const lines = frame.split('\n')
    expect(lines.length).toBeLessThanOrEqual(23)
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(80)
    expect(frame).toMatch(/cmm demo\s+running\s+p pause {2}q quit/)
    expect(frame).toMatch(/800\/4,000\s+20%/)
    expect(frame).toMatch(/ETA 1\.6s/)
    for (const n of [0, 1, 2, 3]) expect(frame).toMatch(new RegExp(`^\\s+${n}\\s+alive\\s+\\d+`, 'm'))
    expect(frame).toMatch(/a\/0\s+3\s+n0:EX n1:EX\?\s+cb n0:release/)
    expect(frame).toMatch(/latency, last 2s \(corrected\)/)
    expect(frame).toMatch(/^op:read\s+6\s/m)
    expect(frame).toMatch(/run 20261125-000000-abcd: 4 nodes started/)
  })

  it('gives a taller terminal\'s rows to the sections with more to show', () => {
    expect(layoutRows(24, {nodes: 16, units: 10, latency: 9, events: 20})).toEqual({nodes: 4, units: 3, latency: 6, events: 3})
    const tall = layoutRows(60, {nodes: 16, units: 10, latency: 9, events: 20})
    expect(tall).toEqual({nodes: 16, units: 10, latency: 9, events: 17})
    // 16 nodes on 80x24 and nothing else to show yet: 14 shown and a line saying how many more.
    const m = new LiveModel('many', 16)
    const {lastFrame, unmount} = render(<LiveView snap={m.snapshot()} width={80} height={24} keys={false} />)
    const frame = lastFrame() ?? ''
    unmount()
    expect(frame).toMatch(/… 2 more nodes/)
    expect(frame.split('\n').length).toBeLessThanOrEqual(23)
    expect(frame).not.toMatch(/q quit/) // no keys without a TTY stdin
  })

  it('says the latency panel waits for a --warmup, then that it left it out', () => {
    const m = new LiveModel('warm', 1, 10_000, 2000)
    const frameAt = (elapsedMs: number) => {
      m.onEvent({type: 'progress', elapsedMs, done: 40, total: null, perNode: [40], interval: {}, nodes: [{node: 0, state: 'alive', ops: 40, summary: null}]})
      const {lastFrame, unmount} = render(<LiveView snap={m.snapshot()} width={80} height={24} keys />)
      const frame = lastFrame() ?? ''
      unmount()
      return frame
    }
    expect(frameAt(500)).toMatch(/latency: warm-up to 2(\.0)?s/)
    expect(frameAt(2500)).toMatch(/latency, last 2s, warmed up/)
  })

  it('shows time-bound workloads against their planned duration', () => {
    const m = new LiveModel('timed', 1, 10_000)
    m.onEvent({type: 'progress', elapsedMs: 2500, done: 40, total: null, perNode: [40], interval: {}, nodes: [{node: 0, state: 'alive', ops: 40, summary: null}]})
    expect(m.snapshot().etaMs).toBe(7500)
    const {lastFrame, unmount} = render(<LiveView snap={m.snapshot()} width={80} height={24} keys />)
    const frame = lastFrame() ?? ''
    unmount()
    expect(frame).toMatch(/█+░+ 40 ops, 25% of 10\.0s {2}2\.5s {2}ETA 7\.5s/)
    expect(plannedDurationMs(loadWorkloadText(`
name: t
description: t
files: { a: { pages: 2 } }
cluster: { nodes: 2 }
nodes:
  "0": [ { repeat: 2, do: [ { mix: { duration: 3s, read: 100 } } ] } ]
  "1": [ { mix: { ops: 5, read: 100 } }, { mix: { duration: 4s, read: 100 } } ]
`))).toBe(6000)
  })

  it('draws a sparkline scaled to its maximum', () => {
    expect(sparkline([0, 50, 100], 10)).toBe('▁▅█')
    expect(sparkline([1, 2, 3, 4], 2)).toBe('▆█')
  })
})
