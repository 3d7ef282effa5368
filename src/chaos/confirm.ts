// A chaos command waits for the orchestrator's answer: the supervisor pushes an outcome on a
// list named by the request's stream id (applied, or refused with the reason), and the command
// BLPOPs it. While it waits it checks that the run is still live, so a run that ended (or an
// orchestrator that died) is reported as such instead of waiting out the bound.
import type {Redis} from 'ioredis'
import {keys, LIVE_RUNS_KEY} from '../redis/keys.js'
import {sendChaos, type ChaosOutcome, type ChaosRequest} from './requests.js'

/** The answer list outlives any sensible wait, then goes (a sender that gave up leaves nothing behind). */
const ANSWER_TTL_MS = 60_000

export const DEFAULT_CONFIRM_TIMEOUT_MS = 10_000

export async function answerChaos(redis: Redis, runId: string, requestId: string, outcome: ChaosOutcome): Promise<void> {
  const key = keys.chaosAnswer(runId, requestId)
  await redis.multi().lpush(key, JSON.stringify(outcome)).pexpire(key, ANSWER_TTL_MS).exec()
}

/** Sends the request and waits for the supervisor's outcome (bounded; refused when the run ends first). */
export async function sendAndConfirm(redis: Redis, runId: string, req: ChaosRequest, timeoutMs = DEFAULT_CONFIRM_TIMEOUT_MS): Promise<ChaosOutcome> {
  const id = await sendChaos(redis, runId, {...req, ack: true})
  const key = keys.chaosAnswer(runId, id)
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const got = await redis.blpop(key, 0.2)
    if (got !== null) return JSON.parse(got[1]) as ChaosOutcome
    if ((await redis.hexists(LIVE_RUNS_KEY, runId)) !== 1) {
      // It may have answered just before it ended.
      const late = await redis.lpop(key)
      if (late !== null) return JSON.parse(late) as ChaosOutcome
      return {applied: false, reason: `run ${runId} ended before the orchestrator applied the request`}
    }
  }
  return {applied: false, reason: `no answer from the orchestrator of run ${runId} within ${timeoutMs / 1000}s`}
}
