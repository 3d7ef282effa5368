// Orchestrator <-> node messages. They travel only through Redis streams (keys.control /
// keys.outbox), so a node can run on another host. Each stream entry is `type`, `node`, `body`
// (JSON); none of these are on the per-fault hot path.
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
  /** `proc`, `batch`: the incarnation and its batch number (a batch re-sent after a reconnection is dropped). */
  | {readonly type: 'history'; readonly node: number; readonly proc?: number; readonly batch?: number; readonly entries: readonly HistoryEntry[]; readonly trace: readonly TraceEntry[]; readonly locks?: readonly LockEntry[]; readonly requests?: readonly RequestLogEntry[]}
  | {readonly type: 'flushed'; readonly node: number; readonly pages: number}
  /** Sent when the run is stopped as stuck: what the node's units were doing (waiting ops, requests in flight, callbacks). */
  | {readonly type: 'waits'; readonly node: number; readonly units: readonly UnitSnapshot[]}
  /** The node's last report, after its trace since `done` (it served callbacks until stopped). */
  | {readonly type: 'stopped'; readonly node: number; readonly proc?: number; readonly usage?: ProcessUsage}
  | {readonly type: 'done'; readonly node: number; readonly proc?: number; readonly ops: number; readonly counters: NodeCounters; readonly histograms: CountsHistograms; readonly stopped: boolean; readonly usage?: ProcessUsage}
  | {readonly type: 'error'; readonly node: number; readonly message: string}
  /** Something for events.jsonl (e.g. a write-back refused by fencing), written by the orchestrator. */
  | {readonly type: 'event'; readonly node: number; readonly event: {readonly type: string; readonly [field: string]: unknown}}

export function encodeMessage(node: number, message: ControlMessage | NodeReport): string[] {
  return messageFields(message.type, node, JSON.stringify(message))
}

/** A stream entry's fields around a body already encoded (node/record-buffer.ts joins record texts). */
export function messageFields(type: (ControlMessage | NodeReport)['type'], node: number, body: string): string[] {
  return ['type', type, 'node', String(node), 'body', body]
}

const NODE: Shape = {node: 'integer'}
const PROC = {optional: 'integer'} as const
/** Bucket counts ([index, count, ...]) by histogram key. */
const COUNTS_BY_KEY = {each: {items: 'integer'}} as const
const HISTOGRAMS: Shape = {corrected: COUNTS_BY_KEY, uncorrected: COUNTS_BY_KEY}
const USAGE = {optional: {userMs: 'number', systemMs: 'number', maxRssKb: {nullable: 'number'}}} as const

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
  history: {...NODE, entries: 'array', trace: 'array', locks: {optional: 'array'}, requests: {optional: 'array'}, proc: {optional: 'integer'}, batch: {optional: 'integer'}},
  flushed: {...NODE, pages: 'integer'},
  waits: {...NODE, units: 'array'},
  stopped: {...NODE, proc: PROC, usage: USAGE},
  done: {...NODE, proc: PROC, ops: 'integer', counters: 'object', histograms: HISTOGRAMS, stopped: 'boolean', usage: USAGE},
  error: {...NODE, message: 'string'},
  event: {...NODE, event: {type: 'string'}},
}

function bodyOf(fields: readonly string[]): string {
  const at = fields.indexOf('body')
  const body = at < 0 ? undefined : fields[at + 1]
  if (body === undefined) throw new RemoteMessageError(`stream entry without body: ${fields.join(' ').slice(0, 200)}`)
  return body
}

/** Decodes a control stream entry, checking its shape; throws RemoteMessageError on anything that is not ours. */
export function decodeControl(fields: readonly string[]): ControlMessage {
  return decodeTyped<ControlMessage>(bodyOf(fields), CONTROL_SHAPES, 'control message')
}

/** Decodes an outbox stream entry, checking its shape; throws RemoteMessageError on anything that is not ours. */
export function decodeReport(fields: readonly string[]): NodeReport {
  const report = decodeTyped<NodeReport>(bodyOf(fields), REPORT_SHAPES, 'node report')
  if (report.type !== 'history') return report
  return {...report, entries: (report.entries as readonly unknown[]).map(historyFromWire)}
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

function historyFromWire(w: unknown): HistoryEntry {
  if (!Array.isArray(w) || w.length !== 6) throw new RemoteMessageError(`node report history: an entry is not [time, process, type, f, key, value]: ${JSON.stringify(w)?.slice(0, 200)}`)
  const [time, process, type, f, key, value] = w as unknown[]
  const ok = typeof time === 'number' && Number.isInteger(process) && HISTORY_TYPES.has(type) && (f === 'read' || f === 'write') && typeof key === 'string' && (value === null || typeof value === 'string')
  if (!ok) throw new RemoteMessageError(`node report history: bad entry ${JSON.stringify(w).slice(0, 200)}`)
  return {index: -1, time: time as number, process: process as number, type: type as HistoryType, f: f as HistoryEntry['f'], key: key as string, value: value as string | null}
}
