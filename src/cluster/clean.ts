// `cmm clean`: what runs whose orchestrator died (SIGKILL, a crashed host) leave behind. In Redis,
// every run without a heartbeat (`cmm:{RUN}:alive`) is abandoned: its `cmm:{RUN}:*` keys and its
// `cmm:live-runs` entry go. On disk, a results folder's live.json whose orchestrator is no longer
// running goes. Live runs (heartbeat present, orchestrator running) and foreign keys are never touched.
import type {Redis} from 'ioredis'
import {existsSync, readFileSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {LIVE_RUNS_KEY} from '../redis/keys.js'
import {resultsEntries} from '../results/out-dir.js'
import {orchestratorAlive, scanRunKeys} from '../redis/heartbeat.js'
import {LIVE_FILE} from '../chaos/live.js'

export interface AbandonedRun {
  readonly runId: string
  /** Keys `cmm:{RUN}:*` it left. */
  readonly keys: number
  /** Whether `cmm:live-runs` still lists it. */
  readonly listedLive: boolean
}

export interface CleanReport {
  readonly runs: readonly AbandonedRun[]
  /** live.json files whose orchestrator is gone. */
  readonly staleLiveFiles: readonly string[]
  readonly removed: boolean
}

const RUN_KEY = /^cmm:\{([^}]*)\}:/

/** Run ids with keys or a `cmm:live-runs` entry in this Redis. */
async function runIds(redis: Redis): Promise<Set<string>> {
  const ids = new Set<string>(await redis.hkeys(LIVE_RUNS_KEY))
  let cursor = '0'
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', 'cmm:{*}:*', 'COUNT', 1000)
    cursor = next
    for (const key of batch) {
      const m = RUN_KEY.exec(key)
      if (m) ids.add(m[1]!)
    }
  } while (cursor !== '0')
  return ids
}

export async function findAbandonedRuns(redis: Redis): Promise<AbandonedRun[]> {
  const listed = new Set(await redis.hkeys(LIVE_RUNS_KEY))
  const runs: AbandonedRun[] = []
  for (const runId of [...(await runIds(redis))].sort()) {
    if (await orchestratorAlive(redis, runId)) continue
    let keys = 0
    for await (const batch of scanRunKeys(redis, runId)) keys += batch.length
    runs.push({runId, keys, listedLive: listed.has(runId)})
  }
  return runs
}

export async function removeAbandonedRun(redis: Redis, runId: string): Promise<void> {
  for await (const batch of scanRunKeys(redis, runId)) await redis.unlink(...batch)
  await redis.hdel(LIVE_RUNS_KEY, runId)
}

function running(pid: unknown): boolean {
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** live.json files under `outDir` whose orchestrator pid is not running (or that are unreadable). */
export function findStaleLiveFiles(outDir: string): string[] {
  const stale: string[] = []
  for (const name of resultsEntries(outDir).sort()) {
    const file = join(outDir, name, LIVE_FILE)
    if (!existsSync(file)) continue
    let pid: unknown
    try {
      pid = (JSON.parse(readFileSync(file, 'utf8')) as {pid?: unknown}).pid
    } catch {
      pid = null
    }
    if (!running(pid)) stale.push(file)
  }
  return stale
}

/** Finds (and unless `dryRun` removes) abandoned runs' keys (when `redis` is given) and stale live.json files. */
export async function clean(redis: Redis | null, outDir: string, dryRun: boolean): Promise<CleanReport> {
  // The folder first: a --results that is a file is bad input (exit 2) whatever Redis says.
  const staleLiveFiles = findStaleLiveFiles(outDir)
  const runs = redis ? await findAbandonedRuns(redis) : []
  if (!dryRun) {
    for (const run of runs) await removeAbandonedRun(redis!, run.runId)
    for (const file of staleLiveFiles) rmSync(file, {force: true})
  }
  return {runs, staleLiveFiles, removed: !dryRun}
}
