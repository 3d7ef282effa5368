// Reads a run's final state (records/final-state.ts) from Redis: the shared disk after the last
// flush, and the manager's view of the units stuck nodes were waiting on.
import type {Redis} from 'ioredis'
import type {UnitState} from '../protocol/manager.js'
import {decodeStamp} from '../protocol/page-data.js'
import {RedisLockManager} from '../redis/lock-manager.js'
import type {Workload} from '../workload/types.js'
import type {FinalState} from '../records/final-state.js'

/** Reads every page of the workload's files from the shared disk, a bounded batch at a time. */
export async function readFinalDisk(redis: Redis, runId: string, workload: Workload): Promise<Record<string, string | null>> {
  const lm = new RedisLockManager(redis, runId)
  const pages = Object.entries(workload.files).flatMap(([file, spec]) => Array.from({length: spec.pages}, (_, page) => ({file, page})))
  const disk: Record<string, string | null> = {}
  const BATCH = 256
  for (let i = 0; i < pages.length; i += BATCH) {
    const read = await Promise.all(pages.slice(i, i + BATCH).map((p) => lm.readDisk(p)))
    for (const d of read) disk[`${d.page.file}/${d.page.page}`] = d.data === null ? null : decodeStamp(d.data)
  }
  return disk
}

/** The manager's state of the units the stuck nodes were busy with. */
export async function readManagerUnits(redis: Redis, runId: string, waits: FinalState['waits']): Promise<Record<string, UnitState>> {
  const lm = new RedisLockManager(redis, runId)
  const units = [...new Set(waits.flatMap((w) => w.units.map((u) => u.unit)))].sort()
  const out: Record<string, UnitState> = {}
  for (const unit of units) out[unit] = await lm.unitState(unit)
  return out
}
