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
// two and carry an offset many ms off, enough to misorder a handoff in the merged history. So it
// is checked against Date.now() (sampled for ~3 ms: max(Date.now() - performance.now()) is
// within a few µs below the true offset), and replaced by that estimate when they disagree.
// The window is a time bound, but a process descheduled past it before its first sample would
// take none: so at least MIN_SAMPLES are always taken, and the estimate is finite by construction.
const MIN_SAMPLES = 8
const WINDOW_MS = 3

export function wallOffsetMs(clock: ClockSource = processClock): number {
  let best = clock.wallMs() - clock.monotonicMs()
  const until = clock.monotonicMs() + WINDOW_MS
  for (let samples = 1; samples < MIN_SAMPLES || clock.monotonicMs() < until; samples++) {
    best = Math.max(best, clock.wallMs() - clock.monotonicMs())
  }
  const origin = clock.timeOrigin
  if (!Number.isFinite(best)) return origin
  return origin >= best - 0.2 && origin <= best + 1.2 ? origin : best
}

const OFFSET_MS = wallOffsetMs()

export function nowUs(): number {
  return Math.round((OFFSET_MS + performance.now()) * 1000)
}
