// Finds and reads stored runs for `cmm report histograms`: by id (under the results root) or by
// folder path; the latest run by default. Anything wrong with the input is a ReportInputError
// (one line, exit 2), never a stack trace.
import {existsSync, readFileSync, statSync} from 'node:fs'
import {basename, join, resolve} from 'node:path'
import {readHistogramFiles} from '../../metrics/merge.js'
import type {EncodedHistograms} from '../../records/histogram-keys.js'
import {RESULTS_FORMAT} from '../../results/summary.js'
import {resultsEntries} from '../../results/out-dir.js'
import {parseTimeline, type TimelineRow} from '../../results/timeline.js'
import type {Validity} from '../../check/verdict.js'
import {UsageError} from '../../protocol/errors.js'

export class ReportInputError extends UsageError {}

/** The parts of run.json the report uses (checked on load: older or foreign files are refused). */
export interface StoredSummary {
  readonly format: number
  readonly runId: string
  readonly workload: {readonly name: string; readonly source?: string}
  readonly settings: {readonly nodes: number; readonly granularity: string; readonly states: string; readonly downgrade: string}
  /** For the HTML report (run-extras.ts); older run.json files may lack them. */
  readonly seed?: number
  readonly command?: string
  readonly break?: string | null
  readonly counters?: Record<string, unknown>
  readonly cost?: Record<string, number>
  readonly nodes?: {node: number; ops: number; incarnations?: number; counters?: {faults?: Record<string, number>; opsFailed?: number; untimedOps?: number}}[]
  readonly warmupMs?: number
  readonly startedAt: string
  readonly durationMs: number
  readonly end: string
  readonly ops: number
  readonly opsPerSec: number
  readonly checks: {readonly valid: Validity; readonly checks: Readonly<Record<string, {readonly valid: Validity; readonly summary: string}>>}
}

export interface StoredRun {
  readonly id: string
  readonly dir: string
  readonly summary: StoredSummary
  readonly merged: EncodedHistograms
  readonly perNode: ReadonlyMap<number, EncodedHistograms>
  /** null for runs recorded before timelines existed. */
  readonly timeline: readonly TimelineRow[] | null
}

const RUN_ID = /^\d{8}-\d{6}-[0-9a-f]{4}$/

/** A run id under `root`, or a folder path; `undefined`: the latest run under `root`. */
export function resolveRunDir(name: string | undefined, root: string): string {
  if (name === undefined) {
    const ids = resultsEntries(root).filter((d) => RUN_ID.test(d) && existsSync(join(root, d, 'run.json'))).sort()
    const latest = ids[ids.length - 1]
    if (latest === undefined) throw new ReportInputError(`no complete run under ${root}/ (run \`cmm run workload\` first, or name a run folder)`)
    return join(root, latest)
  }
  for (const dir of [name, join(root, name)]) if (existsSync(dir) && statSync(dir).isDirectory()) return dir
  throw new ReportInputError(RUN_ID.test(name) ? `unknown run ${name}: no folder ${join(root, name)}` : `unknown run ${name}: neither a run id under ${root}/ nor a folder`)
}

export async function loadRun(dir: string): Promise<StoredRun> {
  const runJson = join(dir, 'run.json')
  if (!existsSync(runJson)) throw new ReportInputError(`${dir}: no run.json (not a results folder, or the run did not finish writing)`)
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(runJson, 'utf8'))
  } catch {
    throw new ReportInputError(`${runJson}: not valid JSON (truncated file?)`)
  }
  const summary = checkSummary(parsed, runJson)
  const histDir = join(dir, 'histograms')
  if (!existsSync(join(histDir, 'merged'))) throw new ReportInputError(`${dir}: no histograms/merged/ folder (a results folder from an older format, or a run that recorded no latency)`)
  let files
  try {
    files = await readHistogramFiles(histDir)
  } catch (error) {
    throw new ReportInputError(`${(error as Error).message.split('\n')[0]} (truncated or corrupt file?)`)
  }
  let timeline: TimelineRow[] | null = null
  const timelinePath = join(dir, 'timeline.jsonl')
  if (existsSync(timelinePath)) {
    try {
      timeline = parseTimeline(readFileSync(timelinePath, 'utf8'), timelinePath)
    } catch (error) {
      throw new ReportInputError((error as Error).message)
    }
  }
  return {id: summary.runId || basename(resolve(dir)), dir, summary, merged: files.merged, perNode: files.perNode, timeline}
}

function checkSummary(value: unknown, path: string): StoredSummary {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>
  if (typeof v.format !== 'number') throw new ReportInputError(`${path}: no "format" field: a results folder from an older format (this cmm reads format ${RESULTS_FORMAT})`)
  if (v.format !== RESULTS_FORMAT) {
    throw new ReportInputError(`${path}: results format ${v.format}, this cmm reads format ${RESULTS_FORMAT}${v.format < RESULTS_FORMAT ? ' (an older format)' : ' (made by a newer cmm)'}`)
  }
  const missing = ['runId', 'workload', 'settings', 'durationMs', 'end', 'ops', 'opsPerSec', 'checks'].filter((k) => v[k] === undefined)
  if (missing.length > 0) throw new ReportInputError(`${path}: missing ${missing.join(', ')} (truncated or not a cmm run.json)`)
  return v as unknown as StoredSummary
}

/** The histograms of one run to show: merged, or node K's (`--node K`). */
export function groupOf(run: StoredRun, node: number | undefined): EncodedHistograms {
  if (node === undefined) return run.merged
  const h = run.perNode.get(node)
  if (!h) throw new ReportInputError(`run ${run.id} has no histograms for node ${node} (nodes: ${[...run.perNode.keys()].join(', ') || 'none'})`)
  return h
}
