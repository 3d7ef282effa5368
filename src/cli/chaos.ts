// What every `cmm chaos` command shares: the flags that find the live run, and the answer:
// exit 0 only after the orchestrator confirmed the fault was applied, non-zero with the reason
// otherwise (no such run or node: 2; Redis unreachable: 4; refused or unanswered: 5).
import {Flags, type Command} from '@oclif/core'
import type {FaultRequestOptions} from '../chaos/kill-node.js'
import {UsageError} from '../protocol/errors.js'
import {EXIT} from '../records/exit-codes.js'
import {fail, isExit} from './fail.js'
import {resultsFlag} from './results-flag.js'
import {redisUrlFlag} from './flags.js'
import {REDIS_URL_ENV} from '../util/redis-url.js'

export const CHAOS_EXIT_TEXT = 'Exit status: 0 the orchestrator applied it, 2 no such live run or node (restart-redis, failover-redis: or a Redis the run did not start; failover-redis: or no replica), 4 Redis unreachable, 5 not applied (the node is not running, nothing to heal, the run ended, no answer; the reason is printed).'

export const runFlags = {
  run: Flags.string({description: 'Run id (default: the latest live run in --results).'}),
  results: resultsFlag('Results folder where live runs register.'),
  json: Flags.boolean({description: 'Print the orchestrator\'s answer as one JSON document.', default: false}),
  redis: redisUrlFlag({description: `The run's Redis URL, needed when it has a password (live.json stores it without); also read from ${REDIS_URL_ENV}.`}),
}

/** Sends the request, waits for the orchestrator's answer and prints it; exits non-zero unless applied. */
export async function applyFault(command: Command, o: FaultRequestOptions & {readonly json: boolean}): Promise<void> {
  try {
    // ioredis is loaded only once the flags are known to be good.
    const {requestFault} = await import('../chaos/kill-node.js')
    const {run, outcome} = await requestFault(o)
    if (o.json) command.log(JSON.stringify({runId: run.runId, request: o.request, ...outcome}, null, 2))
    if (!outcome.applied) fail(command, `not applied to run ${run.runId}: ${outcome.reason}`, EXIT.notApplied)
    if (!o.json) command.log(`run ${run.runId}: ${outcome.detail}`)
  } catch (error) {
    if (isExit(error)) throw error
    if (error instanceof UsageError) fail(command, error.message, EXIT.badInput)
    fail(command, `chaos: ${(error as Error).message}`, EXIT.runFailed)
  }
}

/** A duration flag's microseconds as milliseconds (null when absent). */
export function msOf(us: number | undefined): number | null {
  return us === undefined ? null : us / 1000
}

/** A fault's --for in ms: at least 1ms, as a chaos step's for: (0 ended the fault as it began, and the command reported it applied). */
export function forMsOf(command: Command, us: number | undefined): number | null {
  if (us !== undefined && us < 1000) fail(command, `--for: expected at least 1ms (as a chaos step's for:), found ${us / 1000}ms`, EXIT.badInput)
  return msOf(us)
}
