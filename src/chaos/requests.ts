// Fault requests to a live run: `cmm chaos kill-node` (another terminal) and the workload's
// chaos schedule both end up here, and the orchestrator's supervisor carries them out (it owns
// the node processes, so it can restart them and log every step in events.jsonl).
import type {Redis} from 'ioredis'
import {keys} from '../redis/keys.js'

export type ChaosSignal = 'KILL' | 'STOP' | 'CONT'

/** Restart the run's private Redis primary on its own data: the `node` field is ignored. */
export const RESTART_REDIS = 'RESTART-REDIS'
/** Kill the primary of a sentinel topology; Sentinel promotes the replica (`node` ignored). */
export const FAILOVER_REDIS = 'FAILOVER-REDIS'
export type RedisFaultSignal = typeof RESTART_REDIS | typeof FAILOVER_REDIS

export interface ChaosRequest {
  readonly node: number
  readonly signal: ChaosSignal | RedisFaultSignal
  /** Restart a killed node (a new incarnation) after this long; null: it stays down. */
  readonly restartAfterMs: number | null
  /** STOP only: send CONT after this long (a pause); null: stays stopped until a CONT. */
  readonly resumeAfterMs?: number | null
  readonly from: string
}

export const CHAOS_SIGNALS: readonly ChaosSignal[] = ['KILL', 'STOP', 'CONT']

export async function sendChaos(redis: Redis, runId: string, req: ChaosRequest): Promise<string> {
  const id = await redis.xadd(keys.chaos(runId), 'MAXLEN', '~', '1000', '*', 'body', JSON.stringify(req))
  if (id === null) throw new Error('chaos: XADD returned no id')
  return id
}

/** Reads requests after `lastId` without blocking. */
export async function readChaos(redis: Redis, runId: string, lastId: string): Promise<{id: string; req: ChaosRequest}[]> {
  const res = await redis.xrange(keys.chaos(runId), `(${lastId}`, '+', 'COUNT', 100)
  return res.map(([id, fields]) => ({id, req: JSON.parse(fields[fields.indexOf('body') + 1] ?? '{}') as ChaosRequest}))
}
