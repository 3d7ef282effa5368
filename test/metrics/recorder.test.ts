import {describe, expect, it} from 'vitest'
import {decodeHistogram, MAX_LATENCY_US, percentiles, encodeCounts} from '../../src/metrics/histogram.js'
import {LatencyRecorder} from '../../src/metrics/recorder.js'
import type {OpName} from '../../src/records/histogram-keys.js'

function count(s: string | undefined): number {
  if (s === undefined) return 0
  return decodeHistogram(s).totalCount
}

describe('LatencyRecorder', () => {
  it('records under the op key and, when given, the fault class key', () => {
    const r = new LatencyRecorder()
    r.record('read', 'hit', 3)
    r.record('read', 'acquired', 300)
    r.record('msync', null, 1000)
    const s = encodeCounts(r.snapshot())
    expect(Object.keys(s.corrected).sort()).toEqual(['fault:acquired', 'fault:hit', 'op:msync', 'op:read'])
    expect(count(s.corrected['op:read'])).toBe(2)
    expect(count(s.corrected['fault:hit'])).toBe(1)
    expect(count(s.corrected['op:msync'])).toBe(1)
    expect(percentiles(decodeHistogram(s.corrected['fault:acquired']!)).max).toBe(300)
  })

  it('uses one value for both sides of a closed-loop op', () => {
    const r = new LatencyRecorder()
    for (let i = 1; i <= 100; i++) r.record('write', 'upgrade', i)
    const s = encodeCounts(r.snapshot())
    expect(s.uncorrected).toEqual(s.corrected)
  })

  it('splits corrected (intended) from uncorrected (actual) latencies for open-loop ops', () => {
    const r = new LatencyRecorder()
    // Closed-loop records before the first open-loop one belong to both sides.
    r.record('write', 'acquired', 7)
    for (let i = 1; i <= 100; i++) r.record('write', 'acquired', 10, 10 + i * 10)
    r.record('read', 'hit', 5)
    const s = encodeCounts(r.snapshot())
    const corrected = percentiles(decodeHistogram(s.corrected['op:write']!))
    const uncorrected = percentiles(decodeHistogram(s.uncorrected['op:write']!))
    expect(corrected).toMatchObject({count: 101, min: 7, p50: 510, max: 1010})
    expect(uncorrected).toMatchObject({count: 101, min: 7, p50: 10, max: 10})
    expect(s.uncorrected['fault:acquired']).toBe(s.uncorrected['op:write'])
    expect(s.corrected['fault:acquired']).toBe(s.corrected['op:write'])
    // Keys that never saw an intended latency stay identical.
    expect(s.uncorrected['op:read']).toBe(s.corrected['op:read'])
    expect(s.uncorrected['fault:hit']).toBe(s.corrected['fault:hit'])
  })

  it('takeInterval returns what was recorded since the last call and resets only the interval', () => {
    const r = new LatencyRecorder()
    r.record('read', 'hit', 1)
    r.record('read', 'hit', 2)
    const first = encodeCounts(r.takeInterval())
    expect(count(first.corrected['op:read'])).toBe(2)
    expect(encodeCounts(r.takeInterval())).toEqual({corrected: {}, uncorrected: {}})
    r.record('read', 'hit', 3)
    r.record('write', null, 4, 40)
    const second = encodeCounts(r.takeInterval())
    expect(count(second.corrected['op:read'])).toBe(1)
    expect(percentiles(decodeHistogram(second.corrected['op:read']!)).min).toBe(3)
    expect(percentiles(decodeHistogram(second.corrected['op:write']!)).max).toBe(40)
    expect(percentiles(decodeHistogram(second.uncorrected['op:write']!)).max).toBe(4)
    // The cumulative histograms still hold everything.
    const all = encodeCounts(r.snapshot())
    expect(count(all.corrected['op:read'])).toBe(3)
    expect(count(all.corrected['fault:hit'])).toBe(3)
    expect(count(all.corrected['op:write'])).toBe(1)
    // An interval with only closed-loop ops is identical on both sides again.
    r.record('write', null, 5)
    const third = encodeCounts(r.takeInterval())
    expect(third.uncorrected['op:write']).toBe(third.corrected['op:write'])
    expect(encodeCounts(r.snapshot()).uncorrected['op:write']).not.toBe(encodeCounts(r.snapshot()).corrected['op:write'])
  })

  it('reset forgets everything', () => {
    const r = new LatencyRecorder()
    r.record('copy', 'after-callback', 100, 200)
    r.record('copy', 'after-callback', 2 * MAX_LATENCY_US)
    expect(r.clampedCount).toBe(1)
    r.reset()
    expect(encodeCounts(r.snapshot())).toEqual({corrected: {}, uncorrected: {}})
    expect(encodeCounts(r.takeInterval())).toEqual({corrected: {}, uncorrected: {}})
    expect(r.clampedCount).toBe(0)
    r.record('copy', 'after-callback', 100)
    const s = encodeCounts(r.snapshot())
    expect(s.uncorrected['op:copy']).toBe(s.corrected['op:copy'])
  })

  it('clamps latencies above one hour and counts the calls', () => {
    const r = new LatencyRecorder()
    r.record('read', 'hit', 1e13)
    r.record('read', 'hit', 10, 1e13)
    r.record('read', 'hit', 10)
    expect(r.clampedCount).toBe(2)
    const p = percentiles(decodeHistogram(encodeCounts(r.snapshot()).corrected['op:read']!))
    expect(p.count).toBe(3)
    expect(Math.abs(p.max - MAX_LATENCY_US) / MAX_LATENCY_US).toBeLessThan(0.001)
  })

  it('rejects an unknown op with a clear error', () => {
    const r = new LatencyRecorder()
    expect(() => r.record('sleep' as OpName, null, 1)).toThrow(/unknown op sleep/)
  })
})
