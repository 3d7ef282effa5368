// The run's meta hash in Redis (records/run-meta.ts says what it holds): written by the
// orchestrator, read by every node that joins and by `cmm chaos` (node/run-meta.ts checks it).
import type {Redis} from 'ioredis'
import {keys} from './keys.js'
import {META_FORMAT, RunMetaError, type StoredRunMeta} from '../records/run-meta.js'

export async function writeMeta(redis: Redis, meta: StoredRunMeta): Promise<void> {
  await redis.hset(keys.meta(meta.runId), {format: String(meta.format), meta: JSON.stringify(meta), status: 'starting'})
  // The epoch: a Redis that restarts forgets it, and every node then knows its state is gone.
  await redis.set(keys.epoch(meta.runId), meta.createdAt, 'NX')
}

export async function setStatus(redis: Redis, runId: string, status: string): Promise<void> {
  await redis.hset(keys.meta(runId), 'status', status)
}

/** The stored meta JSON text, unchecked beyond its presence and format version. */
export async function readMetaText(redis: Redis, runId: string): Promise<string> {
  const fields = await redis.hgetall(keys.meta(runId))
  if (!fields.meta) throw new RunMetaError(`no run ${runId} in this Redis (key ${keys.meta(runId)} is missing)`)
  if (Number(fields.format) !== META_FORMAT) throw new RunMetaError(`run ${runId} was written by another cmm version (format ${fields.format}, expected ${META_FORMAT})`)
  return fields.meta
}
