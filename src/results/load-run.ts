// Loads a stored run (results/RUN_ID/) back into what the checkers look at, for `cmm check run`.
import {existsSync, statSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import type {HistoryEntry, LockEntry, TraceEntry} from '../records/history.js'
import type {FinalState} from '../records/final-state.js'
import type {RunSummary} from './summary.js'
import type {RunEventRecord} from '../records/deadlocks.js'
import {DEFAULT_LIVENESS_MS} from '../records/run.js'
import type {RunEvidence} from '../check/run/evidence.js'
import {UsageError} from '../protocol/errors.js'

/** A missing or malformed results folder (exit 2). */
export class StoredRunError extends UsageError {
  override readonly name: string = 'StoredRunError'
}

/** `RUN_ID` under `outDir`, or a folder path. */
export function resolveRunDir(run: string, outDir: string): string {
  for (const dir of [run, join(outDir, run)]) {
    if (existsSync(join(dir, 'run.json')) && statSync(dir).isDirectory()) return dir
  }
  throw new StoredRunError(`no run ${run}: neither ${run} nor ${join(outDir, run)} is a results folder with a run.json`)
}

export interface StoredRun {
  readonly dir: string
  readonly summary: RunSummary
  readonly evidence: RunEvidence
}

export async function loadStoredRun(dir: string): Promise<StoredRun> {
  const summary = await readJson<RunSummary>(join(dir, 'run.json'))
  if (typeof summary.end !== 'string' || typeof summary.durationMs !== 'number') throw new StoredRunError(`${join(dir, 'run.json')}: not a cmm run.json (no end or durationMs)`)
  const history = await readJsonl<HistoryEntry>(join(dir, 'history.jsonl'), true)
  const trace = await readJsonl<TraceEntry>(join(dir, 'trace.jsonl'), true)
  const locks = await readJsonl<LockEntry>(join(dir, 'locks.jsonl'), false)
  const final = existsSync(join(dir, 'final.json')) ? await readJson<FinalState>(join(dir, 'final.json')) : null
  const events = await readJsonl<RunEventRecord>(join(dir, 'events.jsonl'), false, 'timeMs')
  const deadlocks = events === null ? null : events.flatMap((e) => (e.type === 'deadlock' ? [e] : []))
  return {
    dir,
    summary,
    evidence: {
      history: history ?? [], trace: trace ?? [], locks, final, end: summary.end, durationMs: summary.durationMs,
      livenessMs: summary.livenessMs ?? DEFAULT_LIVENESS_MS,
      ...(summary.faults ? {faults: {deadProcesses: summary.faults.deadProcesses}} : {}),
      deadlocks, copyStrategy: summary.settings.copyStrategy ?? 'ordered',
    },
  }
}

async function readJson<T>(path: string): Promise<T> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new StoredRunError(`${path}: ${(error as Error).message}`)
  }
  try {
    return JSON.parse(text) as T
  } catch (error) {
    throw new StoredRunError(`${path}: not JSON: ${(error as Error).message}`)
  }
}

/** One JSON object per line; `required` files must exist (else null). Errors name the line. */
async function readJsonl<T>(path: string, required: boolean, timeField: 'time' | 'timeMs' = 'time'): Promise<T[] | null> {
  if (!existsSync(path)) {
    if (required) throw new StoredRunError(`${path}: missing`)
    return null
  }
  const text = await readFile(path, 'utf8')
  const rows: T[] = []
  let line = 0
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf('\n', start)
    if (end < 0) end = text.length
    line++
    const row = text.slice(start, end).trim()
    start = end + 1
    if (row.length === 0) continue
    let value: unknown
    try {
      value = JSON.parse(row)
    } catch (error) {
      throw new StoredRunError(`${path}:${line}: not JSON: ${(error as Error).message}`)
    }
    if (typeof value !== 'object' || value === null || typeof (value as Record<string, unknown>)[timeField] !== 'number') throw new StoredRunError(`${path}:${line}: expected an object with a numeric ${timeField}`)
    rows.push(value as T)
  }
  return rows
}
