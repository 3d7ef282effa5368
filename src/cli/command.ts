// The base of every cmm command. oclif answers a flag or argument error with the command's whole
// help on stderr (or several indented lines, or, for a bad integer argument, a plain error and
// exit 1); cmm answers every input error found while parsing with one line that names the problem
// (and the flag it probably meant), then points at --help, and exits with the bad-input status.
import {Command, Errors, type Interfaces} from '@oclif/core'
import {EXIT} from '../records/exit-codes.js'
import {FlagValueError} from './flags.js'
import {closest} from './suggest.js'

/** oclif's parser errors (not exported by @oclif/core): a CLIError that carries the parse it failed. */
interface ParseFailure extends Errors.CLIError {
  readonly parse: unknown
  /** Present on "Nonexistent flag" errors: the flags as typed. */
  readonly flags?: readonly string[]
}

/** As oclif's parser types them (its FlagOutput and ArgOutput are not exported). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Output = {[name: string]: any}

function isParseFailure(error: unknown): error is ParseFailure {
  return error instanceof Errors.CLIError && 'parse' in error
}

/** Anything the parser threw for the command line (a flag's or an argument's value, a missing argument...): bad input. */
class InputError extends Error {
  constructor(readonly error: Error) {
    super(error.message)
  }
}

/**
 * oclif's multi-line parse messages as one line: `Parsing --ops \n\tExpected an integer ...`
 * becomes `--ops: Expected an integer ...`; `The following error occurred:` and `See more help
 * with --help` (cmm prints its own pointer) go; list lines join the first.
 */
export function oneLine(message: string): string {
  const lines = message.split('\n').map((l) => l.replace(/\s+/g, ' ').trim()).filter((l) => l !== '' && !l.startsWith('See more help'))
  const [first = '', ...rest] = lines
  const flag = /^Parsing (--[\w-]+)$/.exec(first)
  if (flag !== null) return `${flag[1]}: ${rest.join(' ')}`
  if (first === 'The following error occurred:') return rest.join('; ')
  return [first, ...rest].join(' ')
}

export abstract class CmmCommand extends Command {
  protected override async parse<F extends Output, B extends Output, A extends Output>(
    options?: Interfaces.Input<F, B, A>,
    argv?: string[],
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    try {
      return await super.parse(options, argv)
    } catch (error) {
      if (error instanceof FlagValueError || error instanceof Errors.ExitError || !(error instanceof Error)) throw error
      throw new InputError(error)
    }
  }

  protected override async catch(error: Error & {exitCode?: number}): Promise<unknown> {
    const name = this.id?.replaceAll(':', ' ') ?? ''
    let line: string
    if (error instanceof FlagValueError) line = error.line
    else if (error instanceof InputError) line = `${oneLine(error.error.message)}${isParseFailure(error.error) ? this.suggestion(error.error) : ''}`
    else if (isParseFailure(error)) line = `${oneLine(error.message)}${this.suggestion(error)}`
    else return super.catch(error)
    process.stderr.write(`cmm ${name}: ${line}\nSee \`cmm ${name} --help\`.\n`)
    return this.exit(EXIT.badInput)
  }

  /** `; did you mean --seed?` for a misspelt flag, else nothing. */
  private suggestion(error: ParseFailure): string {
    const typed = error.flags?.[0]
    if (typed === undefined) return ''
    const known = Object.entries(this.ctor.flags ?? {}).flatMap(([name, flag]) => [name, ...(flag.aliases ?? [])])
    const match = closest(typed.replace(/^--?/, '').split('=')[0]!, known)
    return match === null ? '' : `; did you mean --${match}?`
  }
}
