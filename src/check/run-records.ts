// A run's records as the failure explanations (check/locate.ts) and the timeline read them:
// the same whether the run just ended or was loaded from its results folder.
import type {HistoryEntry, LockEntry, TraceEntry} from '../records/history.js'
import type {RequestLogEntry} from '../records/request-log.js'
import type {EventLine} from '../records/events.js'
import type {ChecksReport} from './verdict.js'

/** What the explanations need of run.json. */
export interface RunFacts {
  readonly settings: {readonly nodes: number; readonly granularity: string}
  readonly durationMs: number
  readonly checks: ChecksReport
}

export interface RunRecords<S extends RunFacts = RunFacts> {
  readonly dir: string
  readonly summary: S
  readonly history: readonly HistoryEntry[]
  readonly trace: readonly TraceEntry[]
  readonly locks: readonly LockEntry[]
  /** Empty for runs recorded before requests.jsonl existed. */
  readonly requests: readonly RequestLogEntry[]
  readonly events: readonly EventLine[]
}

/** The lock unit of a page key under the run's granularity. */
export function unitOfKey(key: string, granularity: string): string {
  return granularity === 'file' ? key.slice(0, key.lastIndexOf('/')) : key
}

export const nsToMs = (ns: number): number => Math.round(ns / 1000) / 1000

/** The node a process id belongs to (a restarted node's incarnations are `node + k * nodes`). */
export const nodeOfProcess = (proc: number, nodes: number): number => proc % nodes
