// `cmm chaos kill-node`: finds a live run (results/RUN/live.json + Redis) and hands it a fault
// request; the run's supervisor carries it out and logs it in events.jsonl.
import {readRunMeta} from '../node/run-meta.js'
import {LIVE_RUNS_KEY} from '../redis/keys.js'
import {connectRedis, ensureReachable} from '../util/redis-client.js'
import {isRedacted, REDIS_URL_ENV} from '../util/redis-url.js'
import {findLiveRuns, type LiveRun} from './live.js'
import {FAILOVER_REDIS, sendChaos, type ChaosRequest, type RedisFaultSignal} from './requests.js'
import type {Redis} from 'ioredis'
import type {RunMeta} from '../records/run-meta.js'
import {UsageError} from '../protocol/errors.js'

/** Bad run id or node: the user's mistake (exit 2). */
export class ChaosTargetError extends UsageError {}

export interface KillNodeOptions {
  readonly outDir: string
  readonly runId?: string
  /** The run's Redis when live.json's URL had its password removed (--redis / CMM_REDIS_URL). */
  readonly redisUrl?: string
  readonly node: number
  readonly signal: ChaosRequest['signal']
  readonly restartAfterMs: number | null
  readonly resumeAfterMs: number | null
}

export async function killNode(o: KillNodeOptions): Promise<{run: LiveRun; nodes: number}> {
  return withLiveRun(o, async (redis, run, meta) => {
    const nodes = meta.workload.cluster.nodes
    if (!Number.isInteger(o.node) || o.node < 0 || o.node >= nodes) throw new ChaosTargetError(`run ${run.runId} has no node ${o.node} (nodes 0..${nodes - 1})`)
    await sendChaos(redis, run.runId, {node: o.node, signal: o.signal, restartAfterMs: o.restartAfterMs, resumeAfterMs: o.resumeAfterMs, from: `cmm chaos (pid ${process.pid})`})
    return {run, nodes}
  })
}

/**
 * `cmm chaos restart-redis` / `failover-redis`: the run's orchestrator restarts its private Redis
 * primary, or kills it so Sentinel promotes the replica (issue 16).
 */
export async function redisFault(o: {outDir: string; runId?: string; redisUrl?: string; signal: RedisFaultSignal}): Promise<{run: LiveRun}> {
  return withLiveRun(o, async (redis, run, meta) => {
    if (meta.redisPrivate === false) throw new ChaosTargetError(`run ${run.runId} uses a Redis it did not start (--redis): only a private one can be restarted or failed over`)
    if (o.signal === FAILOVER_REDIS && meta.redisTopology !== 'sentinel') throw new ChaosTargetError(`run ${run.runId} has no replica to promote (it was not started with --redis-topology sentinel)`)
    await sendChaos(redis, run.runId, {node: -1, signal: o.signal, restartAfterMs: null, from: `cmm chaos (pid ${process.pid})`})
    return {run}
  })
}

/** Finds a live run (the latest in outDir, or runId) and hands `task` a client on its Redis and its meta. */
async function withLiveRun<T>(o: {outDir: string; runId?: string; redisUrl?: string}, task: (redis: Redis, run: LiveRun, meta: RunMeta) => Promise<T>): Promise<T> {
  const runs = findLiveRuns(o.outDir)
  let run: LiveRun | undefined
  if (o.runId !== undefined) {
    run = runs.find((r) => r.runId === o.runId)
    if (run === undefined) {
      const known = runs.length === 0 ? 'there is none' : `live runs: ${runs.map((r) => r.runId).join(', ')}`
      throw new ChaosTargetError(`no live run ${o.runId} in ${o.outDir}/ (${known})`)
    }
  } else {
    run = runs[0]
    if (run === undefined) throw new ChaosTargetError(`no live run in ${o.outDir}/ (start one with \`cmm run workload\`, or pass --results)`)
  }
  const url = o.redisUrl ?? run.redisUrl
  if (isRedacted(url)) throw new ChaosTargetError(`run ${run.runId}'s Redis has a password (${run.redisUrl}): give the URL with --redis or ${REDIS_URL_ENV}`)
  const redis = connectRedis(url, 'cmm-chaos')
  try {
    await ensureReachable(redis, url)
    if ((await redis.hexists(LIVE_RUNS_KEY, run.runId)) !== 1) throw new ChaosTargetError(`run ${run.runId} is not live in ${run.redisUrl} (it has ended)`)
    return await task(redis, run, await readRunMeta(redis, run.runId))
  } finally {
    redis.disconnect()
  }
}
