// Flag types shared by the commands, so one kind of value reads and fails the same way everywhere.
import {Flags} from '@oclif/core'
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

