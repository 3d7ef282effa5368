// timeline.jsonl: one-second buckets from progress events, bounded, with fault-window events.
import {describe, expect, it} from 'vitest'
import {TimelineBuilder, TIMELINE_MAX_TICKS, parseTimeline, type TimelineTick} from '../../src/results/timeline.js'
import {LatencyRecorder} from '../../src/metrics/recorder.js'
import {decodeHistogram} from '../../src/metrics/histogram.js'

function interval(values: number[]) {
  const r = new LatencyRecorder()
  for (const v of values) r.record('write', null, v)
  return r.takeInterval().corrected
}

describe('timeline', () => {
  it('adds interval histograms into one-second ticks and records pauses', () => {
    const t = new TimelineBuilder()
    t.onEvent({type: 'progress', elapsedMs: 200, done: 10, total: null, perNode: [10], interval: interval([100, 200])})
    t.onEvent({type: 'progress', elapsedMs: 800, done: 30, total: null, perNode: [30], interval: interval([300])})
    t.onEvent({type: 'paused', elapsedMs: 900, paused: true})
    t.onEvent({type: 'progress', elapsedMs: 1400, done: 50, total: null, perNode: [50], interval: interval([5000])})
    t.onEvent({type: 'paused', elapsedMs: 1500, paused: false})
    const rows = t.rows()
    const ticks = rows.filter((r): r is TimelineTick => r.kind === 'tick')
    expect(ticks.map((k) => [k.t, k.ops])).toEqual([[1000, 30], [2000, 50]])
    expect(decodeHistogram(ticks[0]!.hist['op:write']!).totalCount).toBe(3)
    // A closed tick's latencies are not counted again in the next one.
    expect(decodeHistogram(ticks[1]!.hist['op:write']!).totalCount).toBe(1)
    expect(rows.filter((r) => r.kind === 'event').map((r) => [r.t, r.kind === 'event' && r.event])).toEqual([[900, 'pause'], [1500, 'resume']])
    const text = rows.map((r) => JSON.stringify(r)).join('\n')
    expect(parseTimeline(text, 'x')).toEqual(rows)
    expect(() => parseTimeline(text.slice(0, text.length - 20), 'tl.jsonl')).toThrow(/tl\.jsonl:\d+: not a JSON line/)
  })

  it('ends the last tick at the run\'s end, not at the end of its one-second bucket', () => {
    const t = new TimelineBuilder()
    t.onEvent({type: 'progress', elapsedMs: 600, done: 10, total: null, perNode: [10], interval: interval([100])})
    t.onEvent({type: 'progress', elapsedMs: 1400, done: 24, total: null, perNode: [24], interval: interval([100])})
    const ticks = (rows: ReturnType<TimelineBuilder['rows']>) => rows.filter((r): r is TimelineTick => r.kind === 'tick').map((k) => [k.t, k.widthMs, k.ops])
    expect(ticks(t.rows(1480.25))).toEqual([[1000, 1000, 10], [1480.3, 480.3, 24]])
    // Without an end (a live run), or one past the bucket, buckets stay whole.
    expect(ticks(t.rows())).toEqual([[1000, 1000, 10], [2000, 1000, 24]])
    expect(ticks(t.rows(2500))).toEqual([[1000, 1000, 10], [2000, 1000, 24]])
  })

  it('takes kills, restarts and chaos pauses from the events.jsonl lines the orchestrator forwards', () => {
    const t = new TimelineBuilder()
    const line = (timeMs: number, type: string, node?: number) => ({type: 'fault' as const, line: {time: '', elapsedMs: timeMs, timeMs, type, ...(node === undefined ? {} : {node})}})
    t.onEvent(line(1200, 'kill', 1))
    t.onEvent(line(1900, 'node-restarted', 1))
    t.onEvent(line(2500, 'pause', 0))
    t.onEvent(line(2600, 'redis-lost'))
    const events = t.rows().flatMap((r) => (r.kind === 'event' ? [[r.t, r.event, r.node ?? null]] : []))
    expect(events).toEqual([[1200, 'kill', 1], [1900, 'restart', 1], [2500, 'pause', 0], [2600, 'redis-lost', null]])
  })

  it('stays bounded on a long run by merging neighbouring ticks', () => {
    const t = new TimelineBuilder()
    for (let i = 1; i <= TIMELINE_MAX_TICKS * 2 + 10; i++) t.onEvent({type: 'progress', elapsedMs: i * 1000 - 1, done: i, total: null, perNode: [i], interval: {}})
    const ticks = t.rows().filter((r): r is TimelineTick => r.kind === 'tick')
    expect(ticks.length).toBeLessThanOrEqual(TIMELINE_MAX_TICKS)
    expect(ticks[ticks.length - 1]!.ops).toBe(TIMELINE_MAX_TICKS * 2 + 10)
    expect(ticks.every((k, i) => i === 0 || k.t > ticks[i - 1]!.t)).toBe(true)
  })
})
