// What every `cmm chaos` command shares: the flags that find the live run, duration flags, and
// the answer: exit 0 only after the orchestrator confirmed the fault was applied, non-zero with
// the reason otherwise (no such run or node: 2; refused or unanswered: 5; Redis unreachable: 4).
import {Flags, type Command} from '@oclif/core'
import {parseDurationUs, DURATION_HINT} from '../workload/values.js'
import {ChaosTargetError, requestFault, type FaultRequestOptions} from '../chaos/kill-node.js'
import {EXIT} from '../records/exit-codes.js'
import {fail, isExit} from './fail.js'

export const CHAOS_EXIT_TEXT = 'Exit status: 0 the orchestrator applied it, 2 no such live run or node, 4 Redis unreachable, 5 not applied (the node is not running, the run ended, no answer; the reason is printed).'

export const runFlags = {
  run: Flags.string({description: 'run id (default: the latest live run in --out)'}),
  out: Flags.string({description: 'results folder where live runs register', default: 'results'}),
}

/** A duration flag in ms (null when absent); bad text exits 2 naming the flag. */
export function durationFlagMs(command: Command, name: string, value: string | undefined): number | null {
  if (value === undefined) return null
  const us = parseDurationUs(value)
  if (us === null) fail(command, `--${name}: expected ${DURATION_HINT}, found ${JSON.stringify(value)}`, EXIT.badInput)
  return us / 1000
}

/** Sends the request, waits for the orchestrator's answer and prints it; exits non-zero unless applied. */
export async function applyFault(command: Command, o: FaultRequestOptions): Promise<void> {
  try {
    const {run, outcome} = await requestFault(o)
    if (!outcome.applied) fail(command, `not applied to run ${run.runId}: ${outcome.reason}`, EXIT.notApplied)
    command.log(`run ${run.runId}: ${outcome.detail}`)
  } catch (error) {
    if (isExit(error)) throw error
    if (error instanceof ChaosTargetError) fail(command, error.message, EXIT.badInput)
    fail(command, `chaos: ${(error as Error).message}`, EXIT.runFailed)
  }
}
