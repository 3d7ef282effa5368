// Flag types shared by the commands, so one kind of value reads and fails the same way everywhere.
import {Args, Flags} from '@oclif/core'
import {UsageError} from '../protocol/errors.js'
import {DURATION_HINT, durationProblem, parseDurationUs} from '../workload/duration.js'
import {checkRedisUrl, RedisUrlError, REDIS_URL_ENV} from '../util/redis-url.js'

/**
 * A flag value that does not parse. oclif rewrites the message of errors thrown while parsing
 * (`Parsing --budget \n\t...`); `line` keeps the one line cmm prints (CmmCommand.catch).
 */
export class FlagValueError extends UsageError {
  override readonly name: string = 'FlagValueError'

  constructor(readonly line: string) {
    super(line)
  }
}

/** A duration flag (workload/duration.ts grammar, unit required), parsed to microseconds. */
export const durationFlag = Flags.custom<number>({
  helpValue: '<duration>',
  async parse(input, _context, flag) {
    const us = parseDurationUs(input)
    if (us === null) throw new FlagValueError(`--${flag.name}: ${durationProblem(input)}`)
    return us
  },
})

/**
 * A whole-number flag within [min, max] (default: the safe integers, which a node's run meta
 * requires, so `--seed 1e20`-sized values are refused here and not by the nodes after the run
 * started). oclif's Flags.integer fails in three wrapped lines that cmm's one-line catch cannot
 * recognise; this fails like every other flag value: `--nodes: expected a whole number 1..256, found "0"`.
 * Used as `integerFlag({min: 1, max: 256})({description, ...})`, so oclif's typing of `required`
 * and `default` still applies.
 */
export function integerFlag(bounds: WholeNumberBounds = {}) {
  return Flags.custom<number>({
    async parse(input, _context, flag) {
      return wholeNumber(input, `--${flag.name}`, bounds)
    },
  })
}

/**
 * A whole-number argument (`cmm chaos kill-node NODE`), failing like integerFlag:
 * `NODE: expected a whole number of at least 0, found "abc"`. oclif's Args.integer throws a
 * plain Error, which escaped as its error box with exit 1 (a violation's status).
 */
export function integerArg(bounds: WholeNumberBounds = {}) {
  return Args.custom<number>({
    async parse(input, _context, arg) {
      return wholeNumber(input, arg.name.toUpperCase(), bounds)
    },
  })
}

interface WholeNumberBounds {
  readonly min?: number
  readonly max?: number
}

/** `input` as a whole number within the bounds (default: the safe integers), or a one-line error naming `what`. */
function wholeNumber(input: string, what: string, bounds: WholeNumberBounds): number {
  const {min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER} = bounds
  const text = input.trim()
  const n = /^-?\d+$/.test(text) ? Number(text) : Number.NaN
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new FlagValueError(`${what}: expected ${wholeNumberRange(min, max)}, found ${JSON.stringify(input)}`)
  return n
}

/** `a whole number 1..256`, `a whole number of at least 0`, or plain `a whole number`. */
function wholeNumberRange(min: number, max: number): string {
  const low = min > Number.MIN_SAFE_INTEGER
  const high = max < Number.MAX_SAFE_INTEGER
  if (low && high) return `a whole number ${min}..${max}`
  if (low) return `a whole number of at least ${min}`
  if (high) return `a whole number of at most ${max}`
  return `a whole number (at most ${Number.MAX_SAFE_INTEGER} either way)`
}

/** `--redis` on every command: a Redis URL, Sentinel URL or Unix socket path, also read from CMM_REDIS_URL; checked at parse (exit 2). */
export const redisUrlFlag = Flags.custom<string>({
  env: REDIS_URL_ENV,
  helpValue: '<url>',
  async parse(input, _context, flag) {
    try {
      return checkRedisUrl(input)
    } catch (error) {
      if (error instanceof RedisUrlError) throw new FlagValueError(`--${flag.name}: ${error.message}`)
      throw error
    }
  },
})

export {DURATION_HINT}

