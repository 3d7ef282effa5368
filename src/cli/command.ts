// The base of every cmm command. oclif answers a flag or argument error with the command's whole
// help on stderr; cmm answers with one line that names the problem (and the flag it probably
// meant), then points at --help, and exits with the bad-input status.
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

function isParseFailure(error: unknown): error is ParseFailure {
  return error instanceof Errors.CLIError && 'parse' in error
}

/**
 * oclif's parse messages on one line: `Missing 1 required arg:\nfile  workload script` kept only
 * its first line, which named no argument (`cmm node` with no flags said "The following errors
 * occurred:" and nothing else). The lines after the first are joined (colours and the "See more
 * help" line dropped; cmm prints its own pointer to --help).
 */
export function parseMessageLine(message: string): string {
  // eslint-disable-next-line no-control-regex
  const lines = message.replace(/\u001b\[[0-9;]*m/g, '').split('\n').map((l) => l.trim().replace(/\s+/g, ' '))
  // oclif's heading over its list ("The following error(s) occurred:") names nothing: the list does.
  const named = lines.filter((l) => l !== '' && l !== 'See more help with --help')
  if (named.length > 1 && /^The following errors? occurred:$/.test(named[0]!)) return named.slice(1).join('; ')
  const [first = '', ...rest] = named
  return rest.length === 0 ? first : `${first}${first.endsWith(':') ? '' : ':'} ${rest.join('; ')}`
}

/**
 * oclif's RequiredArgsError lists the missing arguments in a table whose descriptions it wraps
 * at 80 columns; from its `args` they read whole: `missing argument OFFSET (clock offset, ...)`.
 * null for any other parse failure.
 */
function missingArgsLine(error: ParseFailure): string | null {
  const args = (error as {args?: unknown}).args
  if (!Array.isArray(args) || args.length === 0 || !args.every((a) => typeof (a as {name?: unknown})?.name === 'string')) return null
  const named = (args as {name: string; description?: string}[]).map((a) => `${a.name.toUpperCase()}${a.description ? ` (${a.description})` : ''}`)
  return `missing argument${named.length === 1 ? '' : 's'} ${named.join(', ')}`
}

/** oclif's FlagOutput / ArgOutput (not exported): parsed flags or args by name. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Output = {[name: string]: any}

/** A command-line error as cmm prints it: one line naming the command and the problem, then where help is. */
export function usageError(command: string, line: string): string {
  return `cmm ${command}: ${line}\nSee \`cmm ${command} --help\`.\n`
}

export abstract class CmmCommand extends Command {
  /**
   * Everything the parser throws is about the command line, but not all of it is a parse
   * failure catch() knows (`Flag --timeout expects a value` is a bare CLIError, printed by oclif
   * over several lines): those become one-line flag errors too.
   */
  protected override async parse<F extends Output, B extends Output, A extends Output>(
    options?: Interfaces.Input<F, B, A>,
    argv?: string[],
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    try {
      return await super.parse(options, argv)
    } catch (error) {
      if (error instanceof Errors.CLIError && !isParseFailure(error) && !(error instanceof FlagValueError)) throw new FlagValueError(parseMessageLine(error.message))
      throw error
    }
  }

  protected override async catch(error: Error & {exitCode?: number}): Promise<unknown> {
    const name = this.id?.replaceAll(':', ' ') ?? ''
    let line: string
    if (error instanceof FlagValueError) line = error.line
    else if (isParseFailure(error)) line = `${missingArgsLine(error) ?? parseMessageLine(error.message)}${this.suggestion(error)}`
    else return super.catch(error)
    process.stderr.write(usageError(name, line))
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
