// `cmm chaos ...`: finds a live run (results/RUN/live.json + Redis), hands its orchestrator a
// fault request and waits for the answer: the supervisor carries it out (and logs it in
// events.jsonl) or refuses it with the reason (a dead node, a run that has ended).
import {readMeta} from '../redis/run-meta.js'
import {LIVE_RUNS_KEY} from '../redis/keys.js'
import {connectRedis, ensureReachable} from '../util/redis-client.js'
import {findLiveRuns, type LiveRun} from './live.js'
import type {ChaosOutcome, ChaosRequest} from './requests.js'
import {sendAndConfirm} from './confirm.js'
import {UsageError} from '../protocol/errors.js'

/** Bad run id or node: the user's mistake (exit 2). */
export class ChaosTargetError extends UsageError {}

export interface FaultRequestOptions {
  readonly outDir: string
  readonly runId?: string
  /** The request, without its sender (filled in here). node -1: every node (heal only). */
  readonly request: Omit<ChaosRequest, 'from'>
  readonly timeoutMs?: number
}

export async function requestFault(o: FaultRequestOptions): Promise<{run: LiveRun; outcome: ChaosOutcome}> {
  const run = pickRun(o.outDir, o.runId)
  const redis = connectRedis(run.redisUrl, 'cmm-chaos')
  try {
    await ensureReachable(redis, run.redisUrl)
    if ((await redis.hexists(LIVE_RUNS_KEY, run.runId)) !== 1) throw new ChaosTargetError(`run ${run.runId} is not live in ${run.redisUrl} (it has ended)`)
    const meta = await readMeta(redis, run.runId)
    const nodes = meta.workload.cluster.nodes
    const node = o.request.node
    if (!Number.isInteger(node) || node < -1 || node >= nodes || (node === -1 && o.request.signal !== 'HEAL')) {
      throw new ChaosTargetError(`run ${run.runId} has no node ${node} (nodes 0..${nodes - 1})`)
    }
    const outcome = await sendAndConfirm(redis, run.runId, {...o.request, from: `cmm chaos (pid ${process.pid})`}, o.timeoutMs)
    return {run, outcome}
  } finally {
    redis.disconnect()
  }
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
  if (latest === undefined) throw new ChaosTargetError(`no live run in ${outDir}/ (start one with \`cmm run workload\`, or pass --out)`)
  return latest
}
