// A stored run's records, as the timeline and the failure explanations read them.
import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import type {HistoryEntry, LockEntry, TraceEntry} from '../../records/history.js'
import type {RequestLogEntry} from '../../records/request-log.js'
import type {EventLine} from '../../records/events.js'
import type {RunSummary} from '../../results/summary.js'
import {loadStoredRun, StoredRunError} from '../../results/load-run.js'

export interface RunRecords {
  readonly dir: string
  readonly summary: RunSummary
  readonly history: readonly HistoryEntry[]
  readonly trace: readonly TraceEntry[]
  readonly locks: readonly LockEntry[]
  /** Empty for runs recorded before requests.jsonl existed. */
  readonly requests: readonly RequestLogEntry[]
  readonly events: readonly EventLine[]
}

export async function loadRunRecords(dir: string): Promise<RunRecords> {
  const stored = await loadStoredRun(dir)
  const e = stored.evidence
  return {
    dir, summary: stored.summary, history: e.history, trace: e.trace, locks: e.locks ?? [],
    requests: await readLines<RequestLogEntry>(join(dir, 'requests.jsonl')),
    events: await readLines<EventLine>(join(dir, 'events.jsonl')),
  }
}

async function readLines<T>(path: string): Promise<T[]> {
  if (!existsSync(path)) return []
  const rows: T[] = []
  const lines = (await readFile(path, 'utf8')).split('\n')
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() === '') continue
    try {
      rows.push(JSON.parse(lines[i]!) as T)
    } catch {
      throw new StoredRunError(`${path}:${i + 1}: not a JSON line (truncated file?)`)
    }
  }
  return rows
}

/** The lock unit of a page key under the run's granularity. */
export function unitOfKey(key: string, granularity: string): string {
  return granularity === 'file' ? key.slice(0, key.lastIndexOf('/')) : key
}

export const nsToMs = (ns: number): number => Math.round(ns / 1000) / 1000

/** The node a process id belongs to (a restarted node's incarnations are `node + k * nodes`). */
export const nodeOfProcess = (proc: number, nodes: number): number => proc % nodes
