// What a Redis fault (restart or failover) lost of a run, measured rather than guessed: right
// before the fault the old primary's writes are paused (CLIENT PAUSE WRITE: what arrives later is
// "in flight", never acknowledged) and the run's monotonic marks are read; once the new primary
// answers they are read again. Every mark only grows while Redis keeps its state, so one that
// went back is a decision the new primary never heard of:
//   pages   `ver` of every page hash: a write-back that is gone (the page holds an older version)
//   units   `seq` of every lock hash: grants and conversions that are gone
//   streams the last entry of every node's inbox before the fault, missing after it (the outbox
//           is trimmed as the orchestrator reads it; its losses show as history gaps instead)
//   epoch   the run's epoch key: gone means the whole run was forgotten
import type {Redis} from 'ioredis'
import {runPrefix, keys} from './keys.js'
import type {RedisLoss} from '../records/redis-faults.js'

export interface RunMarks {
  readonly epoch: boolean
  readonly pages: Readonly<Record<string, number>>
  readonly units: Readonly<Record<string, number>>
  /** stream key (without the run prefix) -> last entry id. */
  readonly streams: Readonly<Record<string, string>>
}

const SCAN_COUNT = 1000

/** Pauses writes on `primary` for up to `pauseMs` and reads the run's marks (the primary is about to be killed). */
export async function freezeAndMark(primary: Redis, runId: string, pauseMs = 5000): Promise<RunMarks> {
  await primary.call('CLIENT', 'PAUSE', String(pauseMs), 'WRITE')
  return readMarks(primary, runId)
}

export async function readMarks(redis: Redis, runId: string): Promise<RunMarks> {
  const prefix = runPrefix(runId)
  const pages: Record<string, number> = {}
  const units: Record<string, number> = {}
  const streams: Record<string, string> = {}
  const found: string[] = []
  let cursor = '0'
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', SCAN_COUNT)
    cursor = next
    found.push(...batch)
  } while (cursor !== '0')
  const pipe = redis.pipeline()
  const reads: {kind: 'page' | 'unit' | 'stream'; name: string}[] = []
  for (const key of found) {
    const name = key.slice(prefix.length)
    if (name.startsWith('page:')) {
      reads.push({kind: 'page', name: name.slice(5)})
      pipe.hget(key, 'ver')
    } else if (name.startsWith('lock:')) {
      reads.push({kind: 'unit', name: name.slice(5)})
      pipe.hget(key, 'seq')
    } else if (name.startsWith('in:')) {
      reads.push({kind: 'stream', name})
      pipe.xrevrange(key, '+', '-', 'COUNT', 1)
    }
  }
  pipe.exists(keys.epoch(runId))
  const results = (await pipe.exec()) ?? []
  reads.forEach((r, i) => {
    const value = results[i]?.[1]
    if (r.kind === 'page') pages[r.name] = Number(value ?? 0)
    else if (r.kind === 'unit') units[r.name] = Number(value ?? 0)
    else {
      const last = (value as [string, string[]][] | undefined)?.[0]?.[0]
      if (last !== undefined) streams[r.name] = last
    }
  })
  return {epoch: results.at(-1)?.[1] === 1, pages, units, streams}
}

/** Compares the marks taken before the fault with the state of the new primary. */
export async function measureLoss(before: RunMarks, now: Redis, runId: string): Promise<RedisLoss> {
  const after = await readMarks(now, runId)
  const pages = Object.entries(before.pages).flatMap(([page, v]) => ((after.pages[page] ?? 0) < v ? [{page, before: v, after: after.pages[page] ?? 0}] : []))
  const units = Object.entries(before.units).flatMap(([unit, v]) => ((after.units[unit] ?? 0) < v ? [{unit, before: v, after: after.units[unit] ?? 0}] : []))
  const streams: string[] = []
  const prefix = runPrefix(runId)
  for (const [name, id] of Object.entries(before.streams)) {
    const still = await now.xrange(`${prefix}${name}`, id, id)
    if (still.length === 0) streams.push(name)
  }
  pages.sort((a, b) => a.page.localeCompare(b.page))
  units.sort((a, b) => a.unit.localeCompare(b.unit))
  return {runKept: after.epoch, pages, units, streams: streams.sort()}
}
