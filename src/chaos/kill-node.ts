// `cmm chaos kill-node`: finds a live run (results/RUN/live.json + Redis) and hands it a fault
// request; the run's supervisor carries it out and logs it in events.jsonl.
import {readMeta} from '../redis/run-meta.js'
import {LIVE_RUNS_KEY} from '../redis/keys.js'
import {connectRedis, ensureReachable} from '../util/redis-client.js'
import {findLiveRuns, type LiveRun} from './live.js'
import {sendChaos, type ChaosRequest} from './requests.js'
import {UsageError} from '../protocol/errors.js'

/** Bad run id or node: the user's mistake (exit 2). */
export class ChaosTargetError extends UsageError {}

export interface KillNodeOptions {
  readonly outDir: string
  readonly runId?: string
  readonly node: number
  readonly signal: ChaosRequest['signal']
  readonly restartAfterMs: number | null
  readonly resumeAfterMs: number | null
}

export async function killNode(o: KillNodeOptions): Promise<{run: LiveRun; nodes: number}> {
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
  const redis = connectRedis(run.redisUrl, 'cmm-chaos')
  try {
    await ensureReachable(redis, run.redisUrl)
    if ((await redis.hexists(LIVE_RUNS_KEY, run.runId)) !== 1) throw new ChaosTargetError(`run ${run.runId} is not live in ${run.redisUrl} (it has ended)`)
    const meta = await readMeta(redis, run.runId)
    const nodes = meta.workload.cluster.nodes
    if (!Number.isInteger(o.node) || o.node < 0 || o.node >= nodes) throw new ChaosTargetError(`run ${run.runId} has no node ${o.node} (nodes 0..${nodes - 1})`)
    await sendChaos(redis, run.runId, {node: o.node, signal: o.signal, restartAfterMs: o.restartAfterMs, resumeAfterMs: o.resumeAfterMs, from: `cmm chaos (pid ${process.pid})`})
    return {run, nodes}
  } finally {
    redis.disconnect()
  }
}
