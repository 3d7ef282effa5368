// `cmm chaos ...`: finds a live run (results/RUN/live.json + Redis), hands its orchestrator a
// fault request and waits for the answer: the supervisor carries it out (and logs it in
// events.jsonl) or refuses it with the reason (a dead node, a run that has ended).
import {readRunMeta} from '../node/run-meta.js'
import {LIVE_RUNS_KEY} from '../redis/keys.js'
import {connectRedis, ensureReachable} from '../util/redis-client.js'
import {isRedacted, redactRedisUrl, REDIS_URL_ENV} from '../util/redis-url.js'
import {findLiveRuns, type LiveRun} from './live.js'
import {FAILOVER_REDIS, RESTART_REDIS, type ChaosOutcome, type ChaosRequest, type RedisFaultSignal} from './requests.js'
import {sendAndConfirm} from './confirm.js'
import type {Redis} from 'ioredis'
import type {RunMeta} from '../records/run-meta.js'
import {UsageError} from '../protocol/errors.js'

/** Bad run id or node: the user's mistake (exit 2). */
export class ChaosTargetError extends UsageError {}

interface LiveRunChoice {
  readonly outDir: string
  readonly runId?: string
  /** The run's Redis when live.json's URL had its password removed (--redis / CMM_REDIS_URL). */
  readonly redisUrl?: string
}

export interface FaultRequestOptions extends LiveRunChoice {
  /** The request, without its sender (filled in here). node -1: every node (heal only). */
  readonly request: Omit<ChaosRequest, 'from'>
  readonly timeoutMs?: number
}

export async function requestFault(o: FaultRequestOptions): Promise<{run: LiveRun; outcome: ChaosOutcome}> {
  return withLiveRun(o, async (redis, run, meta) => {
    const {signal, node} = o.request
    const redisFault = signal === RESTART_REDIS || signal === FAILOVER_REDIS
    if (redisFault) refuseRedisFault(run, meta, signal)
    const nodes = meta.workload.cluster.nodes
    if (!Number.isInteger(node) || node < -1 || node >= nodes || (node === -1 && signal !== 'HEAL' && !redisFault)) {
      throw new ChaosTargetError(`run ${run.runId} has no node ${node} (nodes 0..${nodes - 1})`)
    }
    const outcome = await sendAndConfirm(redis, run.runId, {...o.request, from: `cmm chaos (pid ${process.pid})`}, o.timeoutMs)
    return {run, outcome}
  })
}

/** `restart-redis` / `failover-redis` (issue 16) need a private Redis, and a replica to promote. */
function refuseRedisFault(run: LiveRun, meta: RunMeta, signal: RedisFaultSignal): void {
  if (meta.redisPrivate === false) throw new ChaosTargetError(`run ${run.runId} uses a Redis it did not start (--redis): only a private one can be restarted or failed over`)
  if (signal === FAILOVER_REDIS && meta.redisTopology !== 'sentinel') throw new ChaosTargetError(`run ${run.runId} has no replica to promote (it was not started with --redis-topology sentinel)`)
}

/** Finds a live run (the latest in outDir, or runId) and hands `task` a client on its Redis and its meta. */
async function withLiveRun<T>(o: LiveRunChoice, task: (redis: Redis, run: LiveRun, meta: RunMeta) => Promise<T>): Promise<T> {
  const run = pickRun(o.outDir, o.runId)
  const url = o.redisUrl ?? run.redisUrl
  if (isRedacted(url)) throw new ChaosTargetError(`run ${run.runId}'s Redis has a password (${run.redisUrl}): give the URL with --redis or ${REDIS_URL_ENV}`)
  const redis = connectRedis(url, 'cmm-chaos')
  try {
    await ensureReachable(redis, url)
    if ((await redis.hexists(LIVE_RUNS_KEY, run.runId)) !== 1) throw new ChaosTargetError(notLiveText(run, o.redisUrl))
    return await task(redis, run, await readRunMeta(redis, run.runId))
  } finally {
    redis.disconnect()
  }
}

/**
 * Why the Redis asked does not list the run. With --redis it may simply be another Redis than
 * the run's: the message named the run's own URL and said "it has ended" of a live run.
 */
function notLiveText(run: LiveRun, given: string | undefined): string {
  if (given === undefined || redactRedisUrl(given) === run.redisUrl) return `run ${run.runId} is not live in ${run.redisUrl} (it has ended)`
  return `run ${run.runId} is not live in ${redactRedisUrl(given)} (--redis), and its live.json names ${run.redisUrl}: is --redis that run's Redis?`
}

function pickRun(outDir: string, runId: string | undefined): LiveRun {
  const runs = findLiveRuns(outDir)
  if (runId !== undefined) {
    const run = runs.find((r) => r.runId === runId)
    if (run === undefined) {
      const known = runs.length === 0 ? 'there is none' : `live runs: ${runs.map((r) => r.runId).join(', ')}`
      throw new ChaosTargetError(`no live run ${runId} in ${outDir}/ (${known})`)
    }
    return run
  }
  const latest = runs[0]
  if (latest === undefined) throw new ChaosTargetError(`no live run in ${outDir}/ (start one with \`cmm run workload\`, or pass --results)`)
  return latest
}
