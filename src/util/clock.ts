// Wall-clock microseconds with sub-millisecond resolution. Node processes on one host share it,
// so their history times can be merged; nodes on other hosts need synchronised clocks (README).
import {performance} from 'node:perf_hooks'

// The readings the offset estimate is made from; injected in tests to simulate a stalled process.
export type ClockSource = {
  wallMs: () => number
  monotonicMs: () => number
  timeOrigin: number
}

const processClock: ClockSource = {
  wallMs: () => Date.now(),
  monotonicMs: () => performance.now(),
  timeOrigin: performance.timeOrigin,
}

// performance.timeOrigin pairs a wall-clock and a monotonic reading taken at process start; a
// process started on a loaded machine (a node restarted mid-run) can be preempted between the
// two and carry an offset off by a millisecond or more, enough to misorder a handoff in the merged
// history (two node processes ~0.7 ms apart made the demo report conflicting holds on every round).
// So it is checked against Date.now() sampled for ~3 ms: max(Date.now() - performance.now()) is a
// lower bound of the true offset, and a sample right after Date.now() ticks bounds it from above
// (the tick fell between that sample and the one before). timeOrigin is kept only inside those
// bounds, else replaced by the lower bound. The window is a time bound, but a process descheduled
// past it before its first sample would take none: so at least MIN_SAMPLES are always taken, and
// the estimate is finite by construction.
const MIN_SAMPLES = 8
const WINDOW_MS = 3
/** timeOrigin may sit this far outside the sampled bounds (the readings themselves take time). */
const SLACK_MS = 0.1

export function wallOffsetMs(clock: ClockSource = processClock): number {
  // Each sample reads the wall clock between two monotonic readings: wall - after is a lower
  // bound of the offset; when the wall clock ticked since the previous sample, the tick fell after
  // that sample's first monotonic reading, so wall - (that reading) is an upper bound.
  let best = -Infinity
  let upper = Infinity
  let prevWall: number | null = null
  let prevBefore = 0
  let until = Infinity
  for (let samples = 0; samples < MIN_SAMPLES || prevBefore < until; samples++) {
    const before = clock.monotonicMs()
    const wall = clock.wallMs()
    const after = clock.monotonicMs()
    if (samples === 0) until = before + WINDOW_MS
    best = Math.max(best, wall - after)
    if (prevWall !== null && wall !== prevWall) upper = Math.min(upper, wall - prevBefore)
    prevWall = wall
    prevBefore = before
  }
  const origin = clock.timeOrigin
  if (!Number.isFinite(best)) return origin
  const high = Math.min(best + 1.2, upper + SLACK_MS)
  return origin >= best - 0.2 && origin <= high ? origin : best
}

const OFFSET_MS = wallOffsetMs()

export function nowUs(): number {
  return Math.round((OFFSET_MS + performance.now()) * 1000)
}
