// A live orchestrator says so: it keeps `cmm:{RUN}:alive` (PX HEARTBEAT_TTL_MS) fresh, and on a
// shared Redis gives every key of its run a TTL (RUN_KEYS_TTL_S) that it keeps extending. An
// orchestrator killed without cleaning up thus leaves nothing behind for long: its heartbeat
// lapses at once (nodes waiting to start give up, `cmm clean` sees the run as abandoned) and its
// keys expire within RUN_KEYS_TTL_S; keys created since its last sweep have none: `cmm clean`.
import type {Redis} from 'ioredis'
import {keys, runPrefix} from './keys.js'

export const HEARTBEAT_TTL_MS = 10_000
const HEARTBEAT_EVERY_MS = 2_000
/** Run keys on a shared Redis outlive a dead orchestrator by at most this (plus one sweep period). */
export const RUN_KEYS_TTL_S = 600
const SWEEP_EVERY_MS = 60_000

export interface Heartbeat {
  stop(): void
}

export async function beat(redis: Redis, runId: string): Promise<void> {
  await redis.set(keys.alive(runId), String(process.pid), 'PX', HEARTBEAT_TTL_MS)
}

/** Starts beating (and, `expireKeys`, sweeping TTLs onto the run's keys); errors are left to the run's own commands. */
export async function startHeartbeat(redis: Redis, runId: string, expireKeys: boolean): Promise<Heartbeat> {
  await beat(redis, runId)
  if (expireKeys) await expireRunKeys(redis, runId)
  const beating = setInterval(() => void beat(redis, runId).catch(() => {}), HEARTBEAT_EVERY_MS)
  const sweeping = expireKeys ? setInterval(() => void expireRunKeys(redis, runId).catch(() => {}), SWEEP_EVERY_MS) : null
  return {
    stop() {
      clearInterval(beating)
      if (sweeping) clearInterval(sweeping)
    },
  }
}

/** Every key of the run -> TTL RUN_KEYS_TTL_S (but the heartbeat and leases: theirs are short). */
export async function expireRunKeys(redis: Redis, runId: string): Promise<number> {
  let count = 0
  for await (const batch of scanRunKeys(redis, runId)) {
    const pipeline = redis.pipeline()
    for (const key of batch) if (key !== keys.alive(runId) && !key.startsWith(`${runPrefix(runId)}lease:`)) pipeline.expire(key, RUN_KEYS_TTL_S)
    await pipeline.exec()
    count += batch.length
  }
  return count
}

export async function* scanRunKeys(redis: Redis, runId: string): AsyncGenerator<string[]> {
  let cursor = '0'
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${runPrefix(runId).replace(/[[\]*?\\]/g, '\\$&')}*`, 'COUNT', 1000)
    cursor = next
    if (batch.length > 0) yield batch
  } while (cursor !== '0')
}

/** True while the run's orchestrator is alive (its heartbeat key exists). */
export async function orchestratorAlive(redis: Redis, runId: string): Promise<boolean> {
  return (await redis.exists(keys.alive(runId))) === 1
}

/** How long an orchestrator waits for external nodes to join, and a node for the start. */
export const EXTERNAL_JOIN_TIMEOUT_MS = 600_000
const WATCH_EVERY_MS = 1_000

/** The run a node wants to join has no live orchestrator, or did not start in time. */
export class NoOrchestratorError extends Error {}

export function noOrchestrator(runId: string): NoOrchestratorError {
  return new NoOrchestratorError(`run ${runId} has no live orchestrator (its heartbeat ${keys.alive(runId)} is gone: the run ended or its orchestrator died)`)
}

/**
 * Rejects with NoOrchestratorError once the run's heartbeat is gone (checked every second) or
 * after `timeoutMs`; never resolves. `stop()` ends the watch.
 */
export function watchOrchestrator(redis: Redis, runId: string, timeoutMs = EXTERNAL_JOIN_TIMEOUT_MS): {gone: Promise<never>; stop: () => void} {
  let timer: NodeJS.Timeout | null = null
  let stopped = false
  const gone = new Promise<never>((_, reject) => {
    const deadline = Date.now() + timeoutMs
    const check = async () => {
      if (stopped) return
      if (Date.now() > deadline) return reject(new NoOrchestratorError(`run ${runId} did not start within ${Math.round(timeoutMs / 1000)} s`))
      if (!(await orchestratorAlive(redis, runId).catch(() => true))) return reject(noOrchestrator(runId))
      timer = setTimeout(() => void check(), WATCH_EVERY_MS)
    }
    void check()
  })
  gone.catch(() => {})
  return {gone, stop: () => {
    stopped = true
    if (timer) clearTimeout(timer)
  }}
}
