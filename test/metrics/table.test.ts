import {encodeCounts} from '../../src/metrics/histogram.js'
import {describe, expect, it} from 'vitest'
import {formatLatency, formatPercentileTable} from '../../src/metrics/table.js'
import {LatencyRecorder} from '../../src/metrics/recorder.js'

describe('formatLatency', () => {
  it('uses µs below 1 ms, ms with 2 decimals below 10 s, s above', () => {
    expect(formatLatency(0)).toBe('0 µs')
    expect(formatLatency(999)).toBe('999 µs')
    expect(formatLatency(12.34)).toBe('12.3 µs')
    expect(formatLatency(1000)).toBe('1.00 ms')
    expect(formatLatency(12_345)).toBe('12.35 ms')
    expect(formatLatency(9_990_000)).toBe('9990.00 ms')
    expect(formatLatency(10_000_000)).toBe('10.00 s')
    expect(formatLatency(3_600_000_000)).toBe('3600.00 s')
  })
})

describe('formatPercentileTable', () => {
  it('has one aligned row per key with data, ops before faults, uncorrected rows where different', () => {
    const r = new LatencyRecorder()
    for (let v = 1; v <= 1000; v++) r.record('read', 'hit', v)
    r.record('write', 'upgrade', 2_000, 5_000)
    r.record('msync', null, 20_000_000)
    const text = formatPercentileTable(encodeCounts(r.snapshot()))
    const lines = text.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^histogram\s+count\s+mean\s+p50\s+p90\s+p99\s+p99\.9\s+max$/)
    expect(lines[1]).toMatch(/^[- ]+$/)
    expect(lines.slice(2).map((l) => l.split(/\s{2,}/)[0])).toEqual([
      'op:read', 'op:write', 'op:write (uncorrected)', 'op:msync', 'fault:hit', 'fault:upgrade', 'fault:upgrade (uncorrected)',
    ])
    expect(new Set(lines.map((l) => l.length)).size).toBe(1)
    const read = lines[2]!.trim().split(/\s{2,}/)
    expect(read).toEqual(['op:read', '1000', '500.5 µs', '500 µs', '900 µs', '990 µs', '999 µs', '1.00 ms'])
    expect(lines[3]).toContain('5.00 ms')
    expect(lines[4]).toContain('2.00 ms')
    expect(lines[5]).toContain('20.00 s')
    expect(text.endsWith('\n')).toBe(true)
  })

  it('says so when there is no data', () => {
    expect(formatPercentileTable({corrected: {}, uncorrected: {}})).toBe('(no latency data)\n')
  })
})
