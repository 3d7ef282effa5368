// command_not_found hook, next to @oclif/plugin-not-found: in a terminal the plugin asks "Did you
// mean ...?" and runs the answer; without one (scripts, CI, pipes) it only says the command does
// not exist. This hook adds the suggestion there, in the words a person types (spaces, not colons).
import type {Hook} from '@oclif/core'
import {EXIT} from '../records/exit-codes.js'
import {closest} from './suggest.js'
import {usageError} from './command.js'

const hook: Hook<'command_not_found'> = async function (options) {
  const ids = options.config.commands.filter((c) => !c.hidden).map((c) => c.id)
  const command = commandTakingExtraWords(options.id, ids)
  if (command !== null) {
    // `cmm chaos restart-redis 0`, `cmm clean foo`: oclif reads the words after a command that
    // takes no argument as a longer command id, and answered "not a cmm command" (exit 127) with
    // a suggestion of the very command typed. It is that command's usage error: one line, exit 2,
    // as CmmCommand words its own (the plugin's messages never print: the process ends here).
    const name = command.replaceAll(':', ' ')
    const extra = options.id.slice(command.length + 1).split(':')
    process.stderr.write(usageError(name, `Unexpected argument${extra.length === 1 ? '' : 's'}: ${extra.join(', ')}`))
    process.exit(EXIT.badInput)
  }
  if (process.stdin.isTTY) return
  const match = closest(options.id, ids)
  if (match !== null) process.stderr.write(`cmm: did you mean \`${options.config.bin} ${match.replaceAll(':', ' ')}\`?\n`)
}

/** The longest command id that `id` extends by whole words (`chaos:restart-redis` for `chaos:restart-redis:0`), or null. */
function commandTakingExtraWords(id: string, ids: readonly string[]): string | null {
  const prefixes = ids.filter((known) => id.startsWith(`${known}:`))
  return prefixes.sort((a, b) => b.length - a.length)[0] ?? null
}

export default hook
