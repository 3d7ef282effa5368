// Redis faults on a live run (issue 16): `restart-redis` (SIGKILL the primary, start it again on
// its own data) and `failover-redis` (SIGKILL the primary of a sentinel topology; Sentinel
// promotes the replica). Each one is measured: the run's marks are read on the old primary with
// its writes paused just before it dies, and again on whatever answers afterwards (redis/loss.ts).
import {Redis} from 'ioredis'
import type {RedisDeployment} from '../redis/topology/deployment.js'
import {freezeAndMark, measureLoss} from '../redis/loss.js'
import type {RedisFaultRecord, RedisLoss} from '../records/redis-faults.js'

export async function injectRedisFault(kind: RedisFaultRecord['kind'], deployment: RedisDeployment, runId: string): Promise<RedisFaultRecord> {
  const atMs = Date.now()
  // The crash instant for the replica; the clients' is the pause just after it.
  if (kind === 'failover') deployment.cutReplication()
  const marks = await withPrimary(deployment, (r) => freezeAndMark(r, runId))
  let detail: Record<string, unknown> = {}
  if (kind === 'restart') await deployment.restart()
  else {
    const f = await deployment.failover()
    detail = {from: f.from, to: f.to, promotedAfterMs: f.promotedAfterMs}
  }
  const backAfterMs = Date.now() - atMs
  const loss: RedisLoss | null = marks === null ? null : await withPrimary(deployment, (r) => measureLoss(marks, r, runId))
  return {kind, atMs, backAfterMs, durability: deployment.durability, topology: deployment.topology, loss, ...detail}
}

/** A plain connection to the current primary for one task; null when it does not answer. */
async function withPrimary<T>(deployment: RedisDeployment, task: (r: Redis) => Promise<T>): Promise<T | null> {
  const r = new Redis(await deployment.primaryUrl(), {lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 2000})
  r.on('error', () => {})
  try {
    await r.connect()
    return await task(r)
  } catch {
    return null
  } finally {
    r.disconnect()
  }
}
