// Flag types shared by the commands, so one kind of value reads and fails the same way everywhere.
import {Flags} from '@oclif/core'
import {UsageError} from '../protocol/errors.js'
import {DURATION_HINT, durationProblem, parseDurationUs} from '../workload/duration.js'

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

export {DURATION_HINT}

/** A flag that takes one of a fixed set of names, typed as that set. */
export function optionFlag<T extends string>(options: readonly T[], description: string, defaultValue?: T) {
  return Flags.option({options, description, ...(defaultValue === undefined ? {} : {default: defaultValue})})()
}
