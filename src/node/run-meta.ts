// A run's meta, encoded for Redis and decoded from it. Whatever is read back is untrusted (anyone
// with the Redis can write it): the workload is stored in the workload format and parsed by the
// same validator as a workload file, and every other field is checked, so a bad meta is refused
// with a RunMetaError naming the field instead of a crash, a 4 GB page or an unknown variant.
import type {Redis} from 'ioredis'
import {readMetaText} from '../redis/run-meta.js'
import {LEASE_TTL_RANGE_MS, MAX_WARMUP_US, META_FORMAT, RunMetaError, settingsOf, type RedisRecovery, type RunMeta, type StoredRunMeta} from '../records/run-meta.js'
import {DEADLOCK_POLICIES, type DeadlockPolicy} from '../records/deadlocks.js'
import {keys} from '../redis/keys.js'
import type {Workload} from '../workload/types.js'
import {parseWorkload} from '../workload/parse.js'
import {LIMITS} from '../workload/keys.js'
import {WorkloadError} from '../workload/errors.js'
import {workloadSource} from '../workload/to-source.js'
import {isBreakVariant, type BreakVariant} from '../protocol/break.js'

export {RunMetaError}

const MAX_META_CHARS = 16 * LIMITS.maxFileBytes

export function encodeMeta(meta: RunMeta): StoredRunMeta {
  const {workload, settings: _derived, ...rest} = meta
  return {...rest, workload: workloadSource(workload)}
}

export async function readRunMeta(redis: Redis, runId: string): Promise<RunMeta> {
  return decodeMeta(await readMetaText(redis, runId), runId)
}

/** The stored meta text -> a checked RunMeta, or a RunMetaError naming the first bad field. */
export function decodeMeta(text: string, runId: string): RunMeta {
  const where = `run ${runId}'s meta (${keys.meta(runId)})`
  // The workload in it is expanded per node, so it may be larger than its file; still bounded.
  if (text.length > MAX_META_CHARS) throw new RunMetaError(`${where} is ${text.length} characters, more than ${MAX_META_CHARS}`)
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
  const warmupUs = m.warmupUs
  if (warmupUs !== undefined && !(Number.isSafeInteger(warmupUs) && (warmupUs as number) >= 0 && (warmupUs as number) <= MAX_WARMUP_US)) throw bad('warmupUs', `a whole number of µs 0..${MAX_WARMUP_US}`)
  const workload = decodeWorkload(m.workload, where)
  const redis = decodeRedisFields(m, bad)
  return {
    ...redis,
    format: META_FORMAT, runId, workload, settings: settingsOf(workload), seed: m.seed as number, createdAt: m.createdAt,
    ...(leaseTtlMs !== undefined ? {leaseTtlMs: leaseTtlMs as number} : {}),
    breakVariant: (breakVariant ?? null) as BreakVariant | null,
    ...(onDeadlock !== undefined ? {onDeadlock: onDeadlock as DeadlockPolicy} : {}),
    ...(warmupUs !== undefined ? {warmupUs: warmupUs as number} : {}),
  }
}

/** The Redis deployment fields (issue 16): absent in an older run's meta. */
function decodeRedisFields(m: Record<string, unknown>, bad: (field: string, expected: string) => RunMetaError): Pick<RunMeta, 'redisTopology' | 'redisPrivate' | 'redisRecovery'> {
  const out: {redisTopology?: string; redisPrivate?: boolean; redisRecovery?: RedisRecovery} = {}
  if (m.redisTopology !== undefined) {
    if (m.redisTopology !== 'single' && m.redisTopology !== 'sentinel') throw bad('redisTopology', 'single or sentinel')
    out.redisTopology = m.redisTopology
  }
  if (m.redisPrivate !== undefined) {
    if (typeof m.redisPrivate !== 'boolean') throw bad('redisPrivate', 'true or false')
    out.redisPrivate = m.redisPrivate
  }
  if (m.redisRecovery !== undefined) {
    const r = m.redisRecovery as Record<string, unknown> | null
    const ok = typeof r === 'object' && r !== null && typeof r.reconnect === 'boolean'
      && Number.isInteger(r.waitReplicas) && (r.waitReplicas as number) >= 0 && (r.waitReplicas as number) <= 16
      && Number.isInteger(r.waitTimeoutMs) && (r.waitTimeoutMs as number) >= 0 && (r.waitTimeoutMs as number) <= 3_600_000
    if (!ok) throw bad('redisRecovery', '{reconnect: boolean, waitReplicas: 0..16, waitTimeoutMs: 0..3600000}')
    out.redisRecovery = {reconnect: r.reconnect as boolean, waitReplicas: r.waitReplicas as number, waitTimeoutMs: r.waitTimeoutMs as number}
  }
  return out
}

function decodeWorkload(value: unknown, where: string): Workload {
  try {
    return parseWorkload(JSON.stringify(value ?? null), `${where}, workload`)
  } catch (error) {
    if (error instanceof WorkloadError) throw new RunMetaError(error.message)
    throw error
  }
}
