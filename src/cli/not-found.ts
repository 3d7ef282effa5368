// command_not_found hook, next to @oclif/plugin-not-found: in a terminal the plugin asks "Did you
// mean ...?" and runs the answer; without one (scripts, CI, pipes) it only says the command does
// not exist. This hook adds the suggestion there, in the words a person types (spaces, not colons).
import type {Hook} from '@oclif/core'
import {closest} from './suggest.js'

const hook: Hook<'command_not_found'> = async function (options) {
  if (process.stdin.isTTY) return
  const ids = options.config.commands.filter((c) => !c.hidden).map((c) => c.id)
  const match = closest(options.id, ids)
  if (match !== null) process.stderr.write(`cmm: did you mean \`${options.config.bin} ${match.replaceAll(':', ' ')}\`?\n`)
}

export default hook
