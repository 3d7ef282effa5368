// Orchestrator <-> node messages. They travel only through Redis streams (keys.control /
// keys.outbox), so a node can run on another host. Each stream entry is `type`, `node`, `body`
// (JSON), and a `history` report's records beside them (historyFields); none of these are on the
// per-fault hot path.
import type {BucketCounts, CountsHistograms} from './histogram-keys.js'
import type {HistoryEntry, HistoryType, LockEntry, TraceEntry} from './history.js'
import type {RequestLogEntry} from './request-log.js'
import type {UnitSnapshot} from '../protocol/node-unit.js'
import type {NodeCounters} from './counters.js'
import type {DeadlockReport} from './deadlocks.js'
import type {NodeLiveSummary} from './live.js'
import type {ProcessUsage} from './resources.js'
import {RemoteMessageError} from '../protocol/errors.js'
import {decodeTyped, type Shape} from './decode.js'

export type ControlMessage =
  /** Start the workload at this wall-clock time (microseconds since the epoch), shared by all nodes. */
  | {readonly type: 'start'; readonly atUs: number}
  /** Stop now: finish the current op, post results, exit. */
  | {readonly type: 'stop'; readonly reason: string}
  /** Start no new op until `resume` (ops in progress finish; the lock daemon keeps serving callbacks). */
  | {readonly type: 'pause'}
  | {readonly type: 'resume'}
  /** End of a completed run: write back every dirty page (msync every EX unit), then say `flushed`. */
  | {readonly type: 'flush'}
  /** End the workload early (the live view's `q`, a first Ctrl-C): start no new op, finish the one in progress, say `done`. */
  | {readonly type: 'finish'}
  /** Clock skew (a chaos fault): the node's protocol clock runs offset / at a rate from now on; 0 and 1 end it. */
  | {readonly type: 'skew'; readonly offsetUs: number; readonly rate: number}

export type NodeReport =
  | {readonly type: 'ready'; readonly node: number; readonly proc?: number; readonly pid: number; readonly host: string; readonly total: number | null}
  /** `current`: the op being played; `waits`: what the node holds pinned and waits for (a stuck run's report); `live`: a bounded summary for the live view. */
  /** `proc`: the incarnation's process id (ops are counted per incarnation). `usage`: the process's own CPU and peak RSS so far (also in `done` and `stopped`: a killed incarnation leaves its last report). */
  /** `latency`: corrected latencies since the previous report, bucket counts per histogram key; `uncorrected`: where they differ (open loop). */
  /** `counters`: the incarnation's counters at this report (a killed incarnation is counted from its last one). */
  | {readonly type: 'progress'; readonly node: number; readonly proc?: number; readonly ops: number; readonly latency: Readonly<Record<string, BucketCounts>>; readonly uncorrected?: Readonly<Record<string, BucketCounts>>; readonly counters?: NodeCounters; readonly current?: string | null; readonly waits?: readonly string[]; readonly live?: NodeLiveSummary; readonly usage?: ProcessUsage}
  /** The manager told this node it is in a deadlock cycle; `broken`: this node abandons its wait. */
  | ({readonly type: 'deadlock'} & DeadlockReport)
  /** `proc`, `batch`: the incarnation and its batch number (a batch re-sent after a reconnection is dropped). Its records travel in stream fields of their own (historyFields). */
  | HistoryReport
  | {readonly type: 'flushed'; readonly node: number; readonly pages: number}
  /** Sent when the run is stopped as stuck: what the node's units were doing (waiting ops, requests in flight, callbacks). */
  | {readonly type: 'waits'; readonly node: number; readonly units: readonly UnitSnapshot[]}
  /** The node's last report, after its trace since `done` (it served callbacks until stopped). */
  | {readonly type: 'stopped'; readonly node: number; readonly proc?: number; readonly usage?: ProcessUsage; readonly counters?: NodeCounters}
  | {readonly type: 'done'; readonly node: number; readonly proc?: number; readonly ops: number; readonly counters: NodeCounters; readonly histograms: CountsHistograms; readonly stopped: boolean; readonly usage?: ProcessUsage}
  | {readonly type: 'error'; readonly node: number; readonly message: string}
  /** Something for events.jsonl (e.g. a write-back refused by fencing), written by the orchestrator. */
  | {readonly type: 'event'; readonly node: number; readonly event: {readonly type: string; readonly [field: string]: unknown}}

/** The record kinds of a `history` report, each in a stream field of that name (in this order). */
export const RECORD_FIELDS = ['entries', 'trace', 'locks', 'requests'] as const
export type RecordField = (typeof RECORD_FIELDS)[number]

/**
 * One kind's records of a `history` report: the rows, parsed and checked, and their JSON text (an
 * array, one line) as it arrived, which the orchestrator spools as is instead of encoding the rows
 * again (cluster/record-store.ts).
 */
export interface RecordBatch<T> {
  readonly rows: readonly T[]
  readonly text: string
}

interface HistoryHeader {
  readonly type: 'history'
  readonly node: number
  readonly proc?: number
  readonly batch?: number
}

export interface HistoryReport extends HistoryHeader {
  readonly entries: RecordBatch<HistoryWire>
  readonly trace: RecordBatch<TraceEntry>
  readonly locks: RecordBatch<LockEntry>
  readonly requests: RecordBatch<RequestLogEntry>
}

/** The reports whose body is all of them (a `history` report's records travel beside it). */
export type BodyReport = Exclude<NodeReport, HistoryReport>

/** A message as one stream entry (`history` reports: historyFields). */
export function encodeMessage(node: number, message: ControlMessage | BodyReport): string[] {
  return ['type', message.type, 'node', String(node), 'body', JSON.stringify(message)]
}

/**
 * A `history` report's stream entry: the header is the body, and each record kind's JSON array
 * text (`lists`, in RECORD_FIELDS order: node/record-buffer.ts joins the records' texts) a field
 * of its own, so the orchestrator can spool it without encoding it again.
 */
export function historyFields(header: Omit<HistoryHeader, 'type'>, lists: readonly string[]): string[] {
  const fields = ['type', 'history', 'node', String(header.node), 'body', JSON.stringify({type: 'history', ...header})]
  RECORD_FIELDS.forEach((name, i) => fields.push(name, lists[i]!))
  return fields
}

const NODE: Shape = {node: 'integer'}
const PROC = {optional: 'integer'} as const
/** Bucket counts ([index, count, ...]) by histogram key. */
const COUNTS_BY_KEY = {each: {items: 'integer'}} as const
const HISTOGRAMS: Shape = {corrected: COUNTS_BY_KEY, uncorrected: COUNTS_BY_KEY}
const USAGE = {optional: {userMs: 'number', systemMs: 'number', maxRssKb: {nullable: 'number'}, startupMs: {optional: 'number'}}} as const

/** The fields each control message must have (checked when a node reads it). */
const CONTROL_SHAPES: Readonly<Record<ControlMessage['type'], Shape>> = {
  start: {atUs: 'number'},
  stop: {reason: 'string'},
  pause: {},
  resume: {},
  flush: {},
  finish: {},
  skew: {offsetUs: 'number', rate: 'number'},
}

/** The fields each node report must have (checked when the orchestrator reads it). */
const REPORT_SHAPES: Readonly<Record<NodeReport['type'], Shape>> = {
  ready: {...NODE, proc: PROC, pid: 'integer', host: 'string', total: {nullable: 'integer'}},
  progress: {...NODE, proc: PROC, ops: 'integer', latency: COUNTS_BY_KEY, uncorrected: {optional: COUNTS_BY_KEY}, counters: {optional: 'object'}, usage: USAGE},
  deadlock: {...NODE, id: 'integer', victim: 'integer', cycle: 'array', broken: 'boolean'},
  history: {...NODE, proc: PROC, batch: {optional: 'integer'}},
  flushed: {...NODE, pages: 'integer'},
  waits: {...NODE, units: 'array'},
  stopped: {...NODE, proc: PROC, usage: USAGE, counters: {optional: 'object'}},
  done: {...NODE, proc: PROC, ops: 'integer', counters: 'object', histograms: HISTOGRAMS, stopped: 'boolean', usage: USAGE},
  error: {...NODE, message: 'string'},
  event: {...NODE, event: {type: 'string'}},
}

/** The value of a stream entry's field (names at even positions, values after them). */
function fieldOf(fields: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1]
  return undefined
}

function bodyOf(fields: readonly string[]): string {
  const body = fieldOf(fields, 'body')
  if (body === undefined) throw new RemoteMessageError(`stream entry without body: ${fields.join(' ').slice(0, 200)}`)
  return body
}

/** Decodes a control stream entry, checking its shape; throws RemoteMessageError on anything that is not ours. */
export function decodeControl(fields: readonly string[]): ControlMessage {
  return decodeTyped<ControlMessage>(bodyOf(fields), CONTROL_SHAPES, 'control message')
}

/** Decodes an outbox stream entry, checking its shape; throws RemoteMessageError on anything that is not ours. */
export function decodeReport(fields: readonly string[]): NodeReport {
  const report = decodeTyped<BodyReport | HistoryHeader>(bodyOf(fields), REPORT_SHAPES, 'node report')
  if (report.type !== 'history') return report
  return {
    ...report,
    entries: recordBatch<HistoryWire>(fields, 'entries', historyWireProblem),
    trace: recordBatch<TraceEntry>(fields, 'trace', timedRowProblem),
    locks: recordBatch<LockEntry>(fields, 'locks', timedRowProblem),
    requests: recordBatch<RequestLogEntry>(fields, 'requests', timedRowProblem),
  }
}

/** One record kind of a `history` stream entry, parsed and each row checked by `rowProblem`. */
function recordBatch<T>(fields: readonly string[], name: RecordField, rowProblem: (row: unknown) => string | null): RecordBatch<T> {
  const text = fieldOf(fields, name)
  if (text === undefined) throw new RemoteMessageError(`node report history: no ${name} field`)
  let rows: unknown
  try {
    rows = JSON.parse(text)
  } catch (error) {
    throw new RemoteMessageError(`node report history: ${name}: not JSON (${(error as Error).message})`)
  }
  if (!Array.isArray(rows)) throw new RemoteMessageError(`node report history: ${name}: expected an array, found ${text.slice(0, 60)}`)
  for (let i = 0; i < rows.length; i++) {
    const problem = rowProblem(rows[i])
    if (problem !== null) throw new RemoteMessageError(`node report history: ${name}[${i}] ${problem}: ${JSON.stringify(rows[i])?.slice(0, 200)}`)
  }
  // The spool keeps a batch per line: a newline between tokens (JSON strings hold none) would split it.
  return {rows: rows as T[], text: text.includes('\n') ? JSON.stringify(rows) : text}
}

/** Trace, lock and request rows are merged by `time` (nanoseconds since the run's start). */
function timedRowProblem(row: unknown): string | null {
  return typeof row === 'object' && row !== null && typeof (row as {time?: unknown}).time === 'number' ? null : 'is not a record with a numeric time'
}

/**
 * A history entry on the wire (in a `history` report): `[time, process, type, f, key, value]`.
 * Two of them per op, cache hits included, so they are most of what nodes send: as arrays they are
 * about half the bytes of the objects, and cheaper to encode and parse.
 */
export type HistoryWire = readonly [time: number, process: number, type: HistoryType, f: HistoryEntry['f'], key: string, value: string | null]

export function historyToWire(e: HistoryEntry): HistoryWire {
  return [e.time, e.process, e.type, e.f, e.key, e.value]
}

const HISTORY_TYPES: ReadonlySet<unknown> = new Set<HistoryType>(['invoke', 'ok', 'fail', 'info'])

function historyWireProblem(w: unknown): string | null {
  if (!Array.isArray(w) || w.length !== 6) return 'is not [time, process, type, f, key, value]'
  const [time, process, type, f, key, value] = w as unknown[]
  const ok = typeof time === 'number' && Number.isInteger(process) && HISTORY_TYPES.has(type) && (f === 'read' || f === 'write') && typeof key === 'string' && (value === null || typeof value === 'string')
  return ok ? null : 'is a bad entry (time, process, type, f, key or value)'
}

/** A history entry from its wire form, checked when its report was decoded (index assigned later). */
export function historyFromWire(w: HistoryWire): HistoryEntry {
  const [time, process, type, f, key, value] = w
  return {index: -1, time, process, type, f, key, value}
}
