// Wall-clock microseconds with sub-millisecond resolution. Node processes on one host share it,
// so their history times can be merged; nodes on other hosts need synchronised clocks (README).
import {performance} from 'node:perf_hooks'

// performance.timeOrigin pairs a wall-clock and a monotonic reading taken at process start; a
// process started on a loaded machine (a node restarted mid-run) can be preempted between the
// two and carry an offset many ms off, enough to misorder a handoff in the merged history. So it
// is checked against Date.now() (sampled for ~3 ms: max(Date.now() - performance.now()) is
// within a few µs below the true offset), and replaced by that estimate when they disagree.
function wallOffsetMs(): number {
  let best = -Infinity
  const until = performance.now() + 3
  while (performance.now() < until) best = Math.max(best, Date.now() - performance.now())
  const origin = performance.timeOrigin
  return origin >= best - 0.2 && origin <= best + 1.2 ? origin : best
}

const OFFSET_MS = wallOffsetMs()

export function nowUs(): number {
  return Math.round((OFFSET_MS + performance.now()) * 1000)
}

export function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
