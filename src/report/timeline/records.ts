// Loads a stored run's records for the timeline (run.json, history, trace, locks, requests, events).
// A run with no violation is drawn on a few units only: its trace, locks and requests are then
// read for those units alone (a line's unit is found without parsing it), which on a 40,000-op
// run skips most of the 300,000 objects the page never draws (BENCHMARKS.md, figure 8).
import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import type {RequestLogEntry} from '../../records/request-log.js'
import type {EventLine} from '../../records/events.js'
import type {HistoryEntry, LockEntry, TraceEntry} from '../../records/history.js'
import type {RunSummary} from '../../results/summary.js'
import type {RunRecords} from '../../check/run-records.js'
import {checkFormat, loadStoredRun, StoredRunError, withRecords} from '../../results/load-run.js'

/** Records as the timeline reads them: `requestLines`, when requests were read for some units only, is each row's line in requests.jsonl. */
export interface TimelineRecords extends RunRecords<RunSummary> {
  readonly requestLines?: readonly number[]
}

export async function loadRunRecords(dir: string): Promise<RunRecords<RunSummary>> {
  return withRecords(await loadStoredRun(dir))
}

/**
 * The records the timeline needs: everything for a run with violations (their explanations read
 * any record), else the whole history and events, and the trace, locks and requests of the units
 * `units(history, summary)` chooses.
 */
export async function loadTimelineRecords(dir: string, units: (history: readonly HistoryEntry[], summary: RunSummary) => readonly string[]): Promise<TimelineRecords> {
  const summary = await readSummary(dir)
  if (summary.checks?.valid !== true) return loadRunRecords(dir)
  const history = await readLines<HistoryEntry>(join(dir, 'history.jsonl'), undefined, true)
  const chosen = new Set(units(history.rows, summary))
  const keep = (line: string) => {
    const unit = unitOfLine(line)
    return unit === null || chosen.has(unit)
  }
  const requests = await readLines<RequestLogEntry>(join(dir, 'requests.jsonl'), keep)
  return {
    dir, summary, history: history.rows,
    trace: (await readLines<TraceEntry>(join(dir, 'trace.jsonl'), keep, true)).rows,
    locks: (await readLines<LockEntry>(join(dir, 'locks.jsonl'), keep)).rows,
    requests: requests.rows, requestLines: requests.lines,
    events: (await readLines<EventLine>(join(dir, 'events.jsonl'))).rows,
  }
}

const UNIT_FIELD = '"unit":"'

/** The `unit` of a JSON line without parsing it; null when it has none or an escaped one (then the line is parsed). */
function unitOfLine(line: string): string | null {
  const at = line.indexOf(UNIT_FIELD)
  if (at < 0) return null
  const from = at + UNIT_FIELD.length
  const end = line.indexOf('"', from)
  const unit = end < 0 ? null : line.slice(from, end)
  return unit === null || unit.includes('\\') ? null : unit
}

async function readSummary(dir: string): Promise<RunSummary> {
  const path = join(dir, 'run.json')
  let summary: RunSummary
  try {
    summary = JSON.parse(await readFile(path, 'utf8')) as RunSummary
  } catch (error) {
    throw new StoredRunError(`${path}: ${(error as Error).message}`)
  }
  checkFormat(summary, path)
  if (typeof summary.end !== 'string' || typeof summary.durationMs !== 'number') throw new StoredRunError(`${path}: not a cmm run.json (no end or durationMs)`)
  return summary
}

/** One JSON object per line (1-based `lines`); `keep` skips lines unparsed; a `required` file must exist. */
async function readLines<T>(path: string, keep?: (line: string) => boolean, required = false): Promise<{rows: T[]; lines: number[]}> {
  const out = {rows: [] as T[], lines: [] as number[]}
  if (!existsSync(path)) {
    if (required) throw new StoredRunError(`${path}: missing`)
    return out
  }
  const lines = (await readFile(path, 'utf8')).split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    if (line.trim() === '' || (keep !== undefined && !keep(line))) continue
    try {
      out.rows.push(JSON.parse(line) as T)
    } catch {
      throw new StoredRunError(`${path}:${i + 1}: not a JSON line (truncated file?)`)
    }
    out.lines.push(i + 1)
  }
  return out
}
