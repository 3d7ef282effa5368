// The one duration grammar of cmm, in workload scripts and in flags alike: a number and a unit,
// `500us` (or `500µs`), `10ms`, `1.5s`, `2m`, `1h`. The unit is required everywhere: a bare
// number used to mean milliseconds in a script, seconds in `check history --timeout` and
// milliseconds in `check model --budget`, so `500` was three different durations.

const DURATION = /^(\d+(?:\.\d+)?|\.\d+)(us|µs|ms|s|m|h)$/
const UNIT_US: Readonly<Record<string, number>> = {us: 1, 'µs': 1, ms: 1e3, s: 1e6, m: 60e6, h: 3600e6}

/** How messages and help describe the grammar. */
export const DURATION_HINT = 'a duration with a unit: 500us, 10ms, 2s, 1m or 1h'

/**
 * The longest duration, 596h (~24.8 days): durations end up in Node.js timers, which hold at
 * most 2^31-1 ms and fire a longer one after 1 ms (with only a warning), so `--hold-time 99999h`
 * served callbacks at once and `--budget 99999h` ran out at once. Refused like any bad duration.
 */
export const MAX_DURATION_US = 596 * UNIT_US.h!
export const MAX_DURATION_TEXT = '596h'

/** Microseconds (rounded to a whole microsecond), or null when `text` is not a duration or longer than MAX_DURATION_US. */
export function parseDurationUs(text: string): number | null {
  const us = unboundedDurationUs(text)
  return us !== null && us <= MAX_DURATION_US ? us : null
}

/** True when `text` is a well-formed duration over MAX_DURATION_US (its message says so, not "no unit"). */
export function isDurationTooLong(text: string): boolean {
  const us = unboundedDurationUs(text)
  return us !== null && us > MAX_DURATION_US
}

/** The grammar without the upper bound. */
function unboundedDurationUs(text: string): number | null {
  const m = DURATION.exec(text.trim())
  if (m === null) return null
  const us = Number(m[1]) * UNIT_US[m[2]!]!
  return Number.isFinite(us) ? Math.round(us) : null
}

/** Why `found` is not a duration, for a message: `500 has no unit`, `99999h is too long` or `"10 sec" is not ...`. */
export function durationProblem(found: unknown): string {
  const text = String(found).trim()
  if (/^\d+(?:\.\d+)?$|^\.\d+$/.test(text)) return `${text} has no unit; expected ${DURATION_HINT}`
  if (isDurationTooLong(text)) return `${text} is too long; expected a duration of at most ${MAX_DURATION_TEXT}`
  return `expected ${DURATION_HINT}, found ${JSON.stringify(found)}`
}
