// The base of every cmm command. oclif answers a flag or argument error with the command's whole
// help on stderr; cmm answers with one line that names the problem (and the flag it probably
// meant), then points at --help, and exits with the bad-input status.
import {Command, Errors} from '@oclif/core'
import {EXIT} from '../records/exit-codes.js'
import {FlagValueError} from './flags.js'
import {closest} from './suggest.js'

/** oclif's parser errors (not exported by @oclif/core): a CLIError that carries the parse it failed. */
interface ParseFailure extends Errors.CLIError {
  readonly parse: unknown
  /** Present on "Nonexistent flag" errors: the flags as typed. */
  readonly flags?: readonly string[]
}

function isParseFailure(error: unknown): error is ParseFailure {
  return error instanceof Errors.CLIError && 'parse' in error
}

export abstract class CmmCommand extends Command {
  protected override async catch(error: Error & {exitCode?: number}): Promise<unknown> {
    const name = this.id?.replaceAll(':', ' ') ?? ''
    let line: string
    if (error instanceof FlagValueError) line = error.line
    else if (isParseFailure(error)) line = `${error.message.split('\n')[0]}${this.suggestion(error)}`
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
