// Errors for people and scripts: one unwrapped line on stderr (oclif's this.error wraps at 80
// columns, which breaks `FILE:LINE:COL` for editors and grep), then the documented exit status.
import type {Command} from '@oclif/core'
import {hideSecrets} from '../util/redis-url.js'

export function fail(command: Command, message: string, exitCode: number): never {
  process.stderr.write(`cmm: ${hideSecrets(message)}\n`)
  command.exit(exitCode)
}

/** True for oclif's own exit signal, which must propagate untouched. */
export function isExit(error: unknown): boolean {
  return error instanceof Error && 'oclif' in error && (error as {oclif?: {exit?: number}}).oclif?.exit !== undefined
}
