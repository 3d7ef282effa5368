// Loads a stored run (results/RUN_ID/) back into what the checkers look at, for `cmm check run`.
import {existsSync, statSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {isAbsolute, join} from 'node:path'
import type {HistoryEntry, LockEntry, TraceEntry} from '../records/history.js'
import type {FinalState} from '../records/final-state.js'
import {RESULTS_FORMAT, type RunSummary} from './summary.js'
import type {RunEventRecord} from '../records/deadlocks.js'
import {DEFAULT_LIVENESS_MS} from '../records/run.js'
import type {RunEvidence} from '../check/run/evidence.js'
import type {RunFacts, RunRecords} from '../check/run-records.js'
import type {RequestLogEntry} from '../records/request-log.js'
import type {EventLine} from '../records/events.js'
import {jsonlRows} from './jsonl.js'
import {UsageError} from '../protocol/errors.js'

/** A missing or malformed results folder (exit 2). */
export class StoredRunError extends UsageError {
  override readonly name: string = 'StoredRunError'
}

/**
 * `RUN_ID` under `outDir`, or a folder path. The message says which folder was looked at: an
 * absolute path is not looked for under `outDir` (it read `nor results/tmp/x`), and a folder
 * without a run.json is named as such (an interrupted run quit at once, a failed start).
 */
export function resolveRunDir(run: string, outDir: string): string {
  if (run.trim() === '') throw new StoredRunError('no run "": empty run id (give a run id or a results folder)')
  const candidates = isAbsolute(run) ? [run] : [run, join(outDir, run)]
  for (const dir of candidates) {
    if (existsSync(join(dir, 'run.json')) && statSync(dir).isDirectory()) return dir
  }
  const folder = candidates.find((dir) => existsSync(dir) && statSync(dir).isDirectory())
  if (folder !== undefined) throw new StoredRunError(`${folder}: no run.json (not a results folder, or its run did not finish writing)`)
  const where = candidates.length === 1 ? `${run} is not a results folder` : `neither ${run} nor ${join(outDir, run)} is a results folder with a run.json`
  throw new StoredRunError(`no run ${run}: ${where}`)
}

export interface StoredRun {
  readonly dir: string
  readonly summary: RunSummary
  readonly evidence: RunEvidence
}

/** What the checkers need to know of a run besides its record files (run.json's, or the orchestrator's at the run's end). */
export interface EvidenceFacts {
  readonly end: RunSummary['end']
  readonly durationMs: number
  readonly livenessMs?: number
  readonly deadProcesses?: readonly number[]
  readonly copyStrategy?: RunEvidence['copyStrategy']
}

export async function loadStoredRun(dir: string): Promise<StoredRun> {
  const summary = await readJson<RunSummary>(join(dir, 'run.json'))
  checkFormat(summary, join(dir, 'run.json'))
  if (typeof summary.end !== 'string' || typeof summary.durationMs !== 'number') throw new StoredRunError(`${join(dir, 'run.json')}: not a cmm run.json (no end or durationMs)`)
  const facts = {end: summary.end, durationMs: summary.durationMs, livenessMs: summary.livenessMs, deadProcesses: summary.faults?.deadProcesses, copyStrategy: summary.settings.copyStrategy}
  return {dir, summary, evidence: await loadEvidence(dir, facts)}
}

/** A run.json of another results format is refused (exit 2), as `cmm report histograms` refuses it: its files may not mean what this cmm reads. */
export function checkFormat(summary: {readonly format?: unknown}, path: string): void {
  const f = summary.format
  if (typeof f !== 'number') throw new StoredRunError(`${path}: no "format" field: a results folder from an older format (this cmm reads format ${RESULTS_FORMAT})`)
  if (f !== RESULTS_FORMAT) throw new StoredRunError(`${path}: results format ${f}, this cmm reads format ${RESULTS_FORMAT}${f < RESULTS_FORMAT ? ' (an older format)' : ' (made by a newer cmm)'}`)
}

/** The record files of a run's folder read back for the checkers (history, trace, locks, final.json, the deadlocks in events.jsonl). */
export async function loadEvidence(dir: string, facts: EvidenceFacts): Promise<RunEvidence> {
  const history = readJsonl<HistoryEntry>(join(dir, 'history.jsonl'), true)
  const trace = readJsonl<TraceEntry>(join(dir, 'trace.jsonl'), true)
  const locks = readJsonl<LockEntry>(join(dir, 'locks.jsonl'), false)
  const final = existsSync(join(dir, 'final.json')) ? await readJson<FinalState>(join(dir, 'final.json')) : null
  const events = readJsonl<RunEventRecord>(join(dir, 'events.jsonl'), false, 'timeMs')
  const deadlocks = events === null ? null : events.flatMap((e) => (e.type === 'deadlock' ? [e] : []))
  return {
    history: history ?? [], trace: trace ?? [], locks, final, end: facts.end, durationMs: facts.durationMs,
    livenessMs: facts.livenessMs ?? DEFAULT_LIVENESS_MS,
    ...(facts.deadProcesses ? {faults: {deadProcesses: facts.deadProcesses}} : {}),
    deadlocks, copyStrategy: facts.copyStrategy ?? 'ordered',
  }
}

/** A stored run with the records the explanations and the timeline read besides the evidence (requests, events). */
export function withRecords<S extends RunFacts>(stored: {readonly dir: string; readonly summary: S; readonly evidence: RunEvidence}): RunRecords<S> {
  const e = stored.evidence
  return {
    dir: stored.dir, summary: stored.summary, history: e.history, trace: e.trace, locks: e.locks ?? [],
    requests: readJsonl<RequestLogEntry>(join(stored.dir, 'requests.jsonl'), false) ?? [],
    events: readJsonl<EventLine>(join(stored.dir, 'events.jsonl'), false, 'timeMs') ?? [],
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

/** One JSON object per line, read a piece at a time; `required` files must exist (else null). Errors name the line. */
function readJsonl<T>(path: string, required: boolean, timeField: 'time' | 'timeMs' = 'time'): T[] | null {
  if (!existsSync(path)) {
    if (required) throw new StoredRunError(`${path}: missing`)
    return null
  }
  const rows: T[] = []
  const rules = {
    notJson: (line: number, error: Error): never => {
      throw new StoredRunError(`${path}:${line}: not JSON: ${error.message}`)
    },
    check: (value: unknown, line: number) => {
      if (typeof value !== 'object' || value === null || typeof (value as Record<string, unknown>)[timeField] !== 'number') throw new StoredRunError(`${path}:${line}: expected an object with a numeric ${timeField}`)
    },
  }
  for (const value of jsonlRows<T>(path, rules)) rows.push(value)
  return rows
}
