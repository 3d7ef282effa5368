import {describe, expect, it} from 'vitest'
import {type ClockSource, wallOffsetMs} from '../../src/util/clock.js'

// A process clock whose monotonic reading jumps by `stalls[i]` ms on its i-th read (a process
// descheduled between two reads); the wall clock stays `offset` ahead of it.
function stallingClock(offset: number, timeOrigin: number, stalls: number[]): ClockSource {
  let mono = 1000
  let reads = 0
  return {
    monotonicMs: () => (mono += stalls[reads++] ?? 0.01),
    wallMs: () => Math.floor(offset + mono),
    timeOrigin,
  }
}

describe('wallOffsetMs', () => {
  it('stays finite when the process stalls past the sampling window before the first sample', () => {
    const offset = 1_700_000_000_000
    const clock = stallingClock(offset, offset - 40, [0, 10])
    const result = wallOffsetMs(clock)
    expect(Number.isFinite(result)).toBe(true)
    expect(Math.abs(result - offset)).toBeLessThan(2)
  })

  it('is finite under every stall schedule, and near the true offset', () => {
    const offset = 1_700_000_000_000
    for (let first = 0; first < 6; first++) {
      for (const stall of [0, 1, 2.9, 3, 3.1, 50, 1e6]) {
        const stalls = Array.from({length: 8}, (_, i) => (i === first ? stall : 0.01))
        for (const origin of [offset, offset - 40, offset + 40]) {
          const result = wallOffsetMs(stallingClock(offset, origin, stalls))
          expect(Number.isFinite(result), `stall ${stall} at read ${first}, origin ${origin - offset}`).toBe(true)
          expect(Math.abs(result - offset)).toBeLessThan(2)
        }
      }
    }
  })

  it('keeps timeOrigin when the samples agree with it', () => {
    const offset = 1_700_000_000_000
    expect(wallOffsetMs(stallingClock(offset, offset + 0.05, []))).toBe(offset + 0.05)
  })

  it('replaces a timeOrigin the samples place a fraction of a millisecond off', () => {
    // Two node processes 0.7 ms apart: every handoff between them looked like overlapping EX holds.
    // (The old rule kept any timeOrigin up to 1.2 ms above the samples' lower bound.)
    const offset = 1_700_000_000_000
    for (const off of [0.3, 0.7, 1.1]) {
      const result = wallOffsetMs(stallingClock(offset, offset + off, []))
      expect(result, `timeOrigin ${off} ms off`).not.toBe(offset + off)
      expect(Math.abs(result - offset)).toBeLessThan(0.05)
    }
  })
})
