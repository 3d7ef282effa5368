// Live runs register themselves so that `cmm chaos` (another terminal) can find them: a
// results/RUN/live.json file (removed when the run ends) and an entry in the Redis hash
// LIVE_RUNS_KEY. The file gives the Redis URL; Redis confirms the run is still live.
import type {Redis} from 'ioredis'
import {existsSync, readFileSync, rmSync, writeFileSync, mkdirSync} from 'node:fs'
import {join} from 'node:path'
import {LIVE_RUNS_KEY} from '../redis/keys.js'
import {resultsEntries} from '../results/out-dir.js'

export interface LiveRun {
  readonly runId: string
  readonly redisUrl: string
  /** The orchestrator's pid. */
  readonly pid: number
  readonly startedAt: string
  readonly nodes: readonly {node: number; proc: number; pid: number}[]
}

export const LIVE_FILE = 'live.json'

/**
 * The live.json files this process wrote, each removed by an 'exit' handler should the process
 * quit before unregisterLive: a second Ctrl-C exits at once (process.exit), and left a stale
 * live.json in the run folder for `cmm clean` to find.
 */
const removeOnExit = new Map<string, () => void>()

export async function registerLive(redis: Redis, dir: string, live: LiveRun): Promise<void> {
  mkdirSync(dir, {recursive: true})
  const file = join(dir, LIVE_FILE)
  writeFileSync(file, JSON.stringify(live, null, 2) + '\n')
  const remove = () => rmSync(file, {force: true})
  removeOnExit.set(file, remove)
  process.once('exit', remove)
  await redis.hset(LIVE_RUNS_KEY, live.runId, JSON.stringify({pid: live.pid, startedAt: live.startedAt}))
}

export async function unregisterLive(redis: Redis, dir: string, runId: string): Promise<void> {
  const file = join(dir, LIVE_FILE)
  const remove = removeOnExit.get(file)
  if (remove !== undefined) process.off('exit', remove)
  removeOnExit.delete(file)
  rmSync(file, {force: true})
  await redis.hdel(LIVE_RUNS_KEY, runId)
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Live runs under `outDir`, newest first (a live.json whose orchestrator is gone is skipped). */
export function findLiveRuns(outDir: string): LiveRun[] {
  const runs: LiveRun[] = []
  for (const name of resultsEntries(outDir)) {
    const file = join(outDir, name, LIVE_FILE)
    if (!existsSync(file)) continue
    try {
      const live = JSON.parse(readFileSync(file, 'utf8')) as LiveRun
      if (typeof live.runId === 'string' && typeof live.redisUrl === 'string' && alive(live.pid)) runs.push(live)
    } catch {
      // A half-written or foreign file: not a live run.
    }
  }
  return runs.sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0))
}
