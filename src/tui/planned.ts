// How long a workload bound by time (duration mixes) is planned to run, for the live view's
// progress bar and ETA when the op count is not known in advance.
import type {Step, Workload} from '../workload/types.js'

/** Longest per-node sum of `duration` mixes in ms, or null when no node has one. */
export function plannedDurationMs(w: Workload): number | null {
  let longest: number | null = null
  for (const steps of w.nodes) {
    const us = timeOf(steps)
    if (us !== null) longest = Math.max(longest ?? 0, us / 1000)
  }
  return longest
}

function timeOf(steps: readonly Step[]): number | null {
  let sum: number | null = null
  for (const s of steps) {
    const us = s.kind === 'mix' ? s.durationUs : s.kind === 'repeat' ? mul(timeOf(s.body), s.times) : null
    if (us !== null) sum = (sum ?? 0) + us
  }
  return sum
}

function mul(us: number | null, times: number): number | null {
  return us === null ? null : us * times
}
