// What the HTML report shows of a run besides its histograms: how to reproduce it (seed, command
// line), its counters and cost lines, per-node latency lanes in time buckets that fit the run's
// length (a run under 2 s has one or two of timeline.jsonl's one-second ticks), and the heat per
// lock unit (accesses, lock requests, callbacks, write-backs). Read from run.json, history.jsonl
// and requests.jsonl; a file that is missing leaves its part out.
import {existsSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'
import type {HistoryEntry} from '../../records/history.js'
import type {RequestLogEntry} from '../../records/request-log.js'
import {nodeOfProcess, unitOfKey} from '../../check/run-records.js'
import {costText} from '../run-text.js'

/** Record files above this size are not read for the lanes and heat (the page says so). */
const MAX_RECORD_BYTES = 64e6
/** About this many buckets across a run, each a round number of ms, at least MIN_BUCKET_MS. */
const BUCKETS = 60
const MIN_BUCKET_MS = 5
/** Units listed in the heat table (the hottest). */
export const HEAT_UNITS = 40

/** One bucket of latencies: [end of the bucket in s, p50 µs, p99 µs, accesses completed], or null for a bucket without data (a gap). */
export type LanePoint = readonly [number, number, number, number] | null

export interface HeatRow {
  readonly unit: string
  readonly accesses: number
  /** acquire + upgrade requests sent (requests.jsonl): faults that asked the manager, a copy's pins, retries after a refused upgrade. */
  readonly requests: number
  readonly callbacks: number
  readonly writtenBack: number
}

export interface RunExtras {
  readonly seed: number | null
  readonly command: string | null
  /** [label, value] lines of the counters and cost, in run.json's words. */
  readonly counters: readonly (readonly [string, string])[]
  /** Per node: ops, incarnations, faults by class (run.json nodes). */
  readonly nodes: readonly {readonly node: number; readonly ops: number; readonly incarnations: number; readonly faults: Readonly<Record<string, number>>}[]
  readonly bucketMs: number
  /** Index = node: its accesses' latency per bucket (history.jsonl invoke -> completion, uncorrected). */
  readonly lanes: readonly (readonly LanePoint[])[]
  /** The same over all nodes (empty without history). */
  readonly merged: readonly LanePoint[]
  readonly heat: readonly HeatRow[]
  readonly units: number
  readonly notes: readonly string[]
}

interface SummaryPart {
  seed?: number
  command?: string
  break?: string | null
  workload?: {source?: string}
  durationMs: number
  settings: {nodes: number; granularity: string}
  counters?: Record<string, unknown>
  cost?: Record<string, number>
  nodes?: {node: number; ops: number; incarnations?: number; counters?: {faults?: Record<string, number>}}[]
}

export function runExtras(dir: string, summary: SummaryPart): RunExtras {
  const notes: string[] = []
  const bucketMs = bucketWidth(summary.durationMs)
  const history = readRecords<HistoryEntry>(join(dir, 'history.jsonl'), notes)
  const requests = readRecords<RequestLogEntry>(join(dir, 'requests.jsonl'), notes)
  const heat = heatRows(history, requests, summary.settings.granularity)
  return {
    seed: summary.seed ?? null,
    command: summary.command ?? (summary.workload?.source !== undefined && summary.seed !== undefined ? `cmm run workload ${summary.workload.source} --seed ${summary.seed}${summary.break ? ` --break ${summary.break}` : ''}` : null),
    counters: counterLines(summary),
    nodes: (summary.nodes ?? []).map((n) => ({node: n.node, ops: n.ops, incarnations: n.incarnations ?? 1, faults: n.counters?.faults ?? {}})),
    bucketMs, ...lanes(history, summary.settings.nodes, summary.durationMs, bucketMs),
    heat: heat.slice(0, HEAT_UNITS), units: heat.length, notes,
  }
}

/** A round bucket width (1, 2 or 5 x 10^k ms) giving about BUCKETS buckets over the run. */
export function bucketWidth(durationMs: number): number {
  const raw = Math.max(MIN_BUCKET_MS, durationMs / BUCKETS)
  const p = 10 ** Math.floor(Math.log10(raw))
  return [1, 2, 5, 10].map((m) => m * p).find((w) => w >= raw) ?? 10 * p
}

function readRecords<T>(path: string, notes: string[]): T[] {
  if (!existsSync(path)) return []
  if (statSync(path).size > MAX_RECORD_BYTES) {
    notes.push(`${path} is over ${MAX_RECORD_BYTES / 1e6} MB: not read for the per-node lanes and the heat`)
    return []
  }
  const rows: T[] = []
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue
    try {
      rows.push(JSON.parse(line) as T)
    } catch {
      notes.push(`${path}: a line is not JSON (truncated file?): the rest is not shown`)
      break
    }
  }
  return rows
}

/** Per node and over all nodes, each bucket's p50 and p99 of the accesses completed in it; buckets with none are gaps. */
function lanes(history: readonly HistoryEntry[], nodes: number, durationMs: number, bucketMs: number): {lanes: LanePoint[][]; merged: LanePoint[]} {
  if (history.length === 0) return {lanes: [], merged: []}
  const n = Math.max(1, Math.ceil(durationMs / bucketMs))
  const per: number[][][] = Array.from({length: nodes + 1}, () => Array.from({length: n}, () => []))
  const open = new Map<number, number>()
  for (const e of history) {
    if (e.type === 'invoke') {
      open.set(e.process, e.time)
      continue
    }
    const start = open.get(e.process)
    open.delete(e.process)
    if (start === undefined || e.type === 'info') continue
    const b = Math.min(n - 1, Math.max(0, Math.floor(e.time / 1e6 / bucketMs)))
    per[nodeOfProcess(e.process, nodes)]?.[b]?.push((e.time - start) / 1000)
    per[nodes]![b]!.push((e.time - start) / 1000)
  }
  const points = per.map((buckets) => buckets.map((us, b): LanePoint => {
    if (us.length === 0) return null
    us.sort((x, y) => x - y)
    const q = (p: number) => us[Math.min(us.length - 1, Math.ceil(p * us.length) - 1)]!
    return [((b + 1) * bucketMs) / 1000, q(0.5), q(0.99), us.length]
  }))
  return {lanes: points.slice(0, nodes), merged: points[nodes]!}
}

function heatRows(history: readonly HistoryEntry[], requests: readonly RequestLogEntry[], granularity: string): HeatRow[] {
  const rows = new Map<string, {unit: string; accesses: number; requests: number; callbacks: number; writtenBack: number}>()
  const row = (unit: string) => {
    let r = rows.get(unit)
    if (r === undefined) rows.set(unit, (r = {unit, accesses: 0, requests: 0, callbacks: 0, writtenBack: 0}))
    return r
  }
  for (const e of history) if (e.type === 'ok') row(unitOfKey(e.key, granularity)).accesses++
  for (const q of requests) {
    if (q.event === 'request' && (q.request === 'acquire' || q.request === 'upgrade')) row(q.unit).requests++
    else if (q.event === 'callback') row(q.unit).callbacks++
    else if (q.event === 'request' && (q.request === 'demote' || q.request === 'writeback')) row(q.unit).writtenBack += q.pages ?? 0
  }
  return [...rows.values()].sort((a, b) => b.requests + b.callbacks - (a.requests + a.callbacks) || b.accesses - a.accesses || a.unit.localeCompare(b.unit))
}

/** The counters and cost lines the run's summary prints, from run.json. */
function counterLines(s: SummaryPart): [string, string][] {
  const c = (s.counters ?? {}) as {ops?: number; faults?: Record<string, number>; requests?: Record<string, number>; callbacks?: Record<string, number>; redisRoundTrips?: number; redisCommands?: number; diskReads?: number; pagesWrittenBack?: number; upgradesRefused?: number; staleReplies?: number; opsFailed?: number; breakFired?: number; untimedOps?: number; untimedAccesses?: number}
  const kv = (o: Record<string, number> | undefined) => Object.entries(o ?? {}).map(([k, v]) => `${k} ${v}`).join(', ')
  const lines: [string, string][] = []
  if (c.ops !== undefined) lines.push(['ops', String(c.ops)])
  if (c.faults) lines.push(['faults (one per page access)', kv(c.faults)])
  if (c.requests) lines.push(['requests to the manager', kv(c.requests)])
  if (c.callbacks) lines.push(['callbacks answered', kv(c.callbacks)])
  for (const [k, label] of [['redisRoundTrips', 'Redis round trips'], ['redisCommands', 'Redis commands (every one the nodes sent)'], ['diskReads', 'disk reads'], ['pagesWrittenBack', 'pages written back'], ['upgradesRefused', 'upgrades refused'], ['staleReplies', 'stale replies'], ['opsFailed', 'ops failed']] as const) {
    if (c[k] !== undefined) lines.push([label, String(c[k])])
  }
  // Only after a --warmup: the histograms above leave these out.
  if ((c.untimedOps ?? 0) + (c.untimedAccesses ?? 0) > 0) lines.push(['warm-up, checked but not timed', `${c.untimedOps ?? 0} ops, ${c.untimedAccesses ?? 0} page accesses`])
  if (s.break) lines.push([`--break ${s.break} fired`, String(c.breakFired ?? 0)])
  const cost = s.cost ?? {}
  if (cost.roundTripsPerFault !== undefined) lines.push(['cost', `${costText(cost)}, ${cost.pagesWrittenBackPerOp} pages written back per op`])
  return lines
}
