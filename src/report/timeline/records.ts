// Loads a stored run's records for the timeline (run.json, history, trace, locks, requests, events).
import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import type {RequestLogEntry} from '../../records/request-log.js'
import type {EventLine} from '../../records/events.js'
import type {RunSummary} from '../../results/summary.js'
import type {RunRecords} from '../../check/run-records.js'
import {loadStoredRun, StoredRunError} from '../../results/load-run.js'

export async function loadRunRecords(dir: string): Promise<RunRecords<RunSummary>> {
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
