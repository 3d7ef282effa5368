// What a node needs to join a run, stored by the orchestrator in the run's meta hash so that a
// node started by hand on another host (`cmm node --redis URL --run RUN --id K`) needs nothing else.
// Whatever is read back is untrusted (anyone with the Redis can write it): the workload is stored
// in the workload format and parsed by the same validator as a workload file, and every other
// field is checked, so a bad meta is refused with a RunMetaError instead of a crash or a 4 GB page.
import type {Redis} from 'ioredis'
import {keys} from '../redis/keys.js'
import type {ProtocolSettings} from '../protocol/types.js'
import type {Workload} from '../workload/types.js'
import {parseWorkload} from '../workload/parse.js'
import {WorkloadError} from '../workload/errors.js'
import {workloadSource} from '../workload/to-source.js'
import {isBreakVariant, type BreakVariant} from '../protocol/break.js'
import {DEADLOCK_POLICIES, type DeadlockPolicy} from './deadlocks.js'

export const META_FORMAT = 2

export interface RunMeta {
  readonly format: number
  readonly runId: string
  readonly workload: Workload
  readonly settings: ProtocolSettings
  readonly seed: number
  readonly createdAt: string
  /** Node lease TTL (issue 4); absent: DEFAULT_LEASE_TTL_MS. */
  readonly leaseTtlMs?: number
  /** A deliberately broken protocol variant (`--break`); absent or null: the correct protocol. */
  readonly breakVariant?: BreakVariant | null
  /** What nodes do when the manager finds a deadlock (absent: `report`). */
  readonly onDeadlock?: DeadlockPolicy
}

/** The run meta in Redis is unusable (garbage, another version, values out of bounds). */
export class RunMetaError extends Error {}

/** Lease TTLs a meta may carry (the CLI's --lease-ttl takes at least 50 ms). */
const LEASE_TTL_RANGE_MS = [50, 3_600_000] as const

export async function writeMeta(redis: Redis, meta: RunMeta): Promise<void> {
  const {workload, settings: _derived, ...rest} = meta
  const stored = {...rest, workload: workloadSource(workload)}
  await redis.hset(keys.meta(meta.runId), {format: String(meta.format), meta: JSON.stringify(stored), status: 'starting'})
  // The epoch: a Redis that restarts forgets it, and every node then knows its state is gone.
  await redis.set(keys.epoch(meta.runId), meta.createdAt, 'NX')
}

export async function setStatus(redis: Redis, runId: string, status: string): Promise<void> {
  await redis.hset(keys.meta(runId), 'status', status)
}

export async function readMeta(redis: Redis, runId: string): Promise<RunMeta> {
  const fields = await redis.hgetall(keys.meta(runId))
  if (!fields.meta) throw new RunMetaError(`no run ${runId} in this Redis (key ${keys.meta(runId)} is missing)`)
  if (Number(fields.format) !== META_FORMAT) throw new RunMetaError(`run ${runId} was written by another cmm version (format ${fields.format}, expected ${META_FORMAT})`)
  return decodeMeta(fields.meta, runId)
}

/** The stored meta text -> a checked RunMeta, or a RunMetaError naming the first bad field. */
export function decodeMeta(text: string, runId: string): RunMeta {
  const where = `run ${runId}'s meta (${keys.meta(runId)})`
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    throw new RunMetaError(`${where} is not JSON`)
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new RunMetaError(`${where} is not a JSON object`)
  const m = raw as Record<string, unknown>
  const bad = (field: string, expected: string) => new RunMetaError(`${where}: ${field}: expected ${expected}, found ${JSON.stringify(m[field]) ?? 'nothing'}`)
  if (m.runId !== runId) throw bad('runId', JSON.stringify(runId))
  if (!Number.isSafeInteger(m.seed)) throw bad('seed', 'a whole number')
  if (typeof m.createdAt !== 'string') throw bad('createdAt', 'a time (a string)')
  const leaseTtlMs = m.leaseTtlMs
  if (leaseTtlMs !== undefined && !(Number.isInteger(leaseTtlMs) && (leaseTtlMs as number) >= LEASE_TTL_RANGE_MS[0] && (leaseTtlMs as number) <= LEASE_TTL_RANGE_MS[1])) {
    throw bad('leaseTtlMs', `a whole number of ms ${LEASE_TTL_RANGE_MS[0]}..${LEASE_TTL_RANGE_MS[1]}`)
  }
  const breakVariant = m.breakVariant
  if (breakVariant !== undefined && breakVariant !== null && !(typeof breakVariant === 'string' && isBreakVariant(breakVariant))) throw bad('breakVariant', 'null or a --break variant')
  const onDeadlock = m.onDeadlock
  if (onDeadlock !== undefined && !(DEADLOCK_POLICIES as readonly unknown[]).includes(onDeadlock)) throw bad('onDeadlock', DEADLOCK_POLICIES.join(', '))
  const workload = decodeWorkload(m.workload, where)
  return {
    format: META_FORMAT, runId, workload, settings: settingsOf(workload), seed: m.seed as number, createdAt: m.createdAt,
    ...(leaseTtlMs !== undefined ? {leaseTtlMs: leaseTtlMs as number} : {}),
    breakVariant: (breakVariant ?? null) as BreakVariant | null,
    ...(onDeadlock !== undefined ? {onDeadlock: onDeadlock as DeadlockPolicy} : {}),
  }
}

function decodeWorkload(value: unknown, where: string): Workload {
  try {
    return parseWorkload(JSON.stringify(value ?? null), `${where}, workload`)
  } catch (error) {
    if (error instanceof WorkloadError) throw new RunMetaError(error.message)
    throw error
  }
}

export function settingsOf(w: Workload): ProtocolSettings {
  const c = w.cluster
  return {granularity: c.granularity, states: c.states, downgrade: c.downgrade, holdTimeUs: c.holdTimeUs, pageSize: c.pageSize}
}
