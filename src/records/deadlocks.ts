// Deadlocks and stuck runs as the orchestrator records them (events.jsonl, run.json), and the
// short texts nodes send about what they are doing and waiting for.
import type {UnitSnapshot} from '../protocol/node-unit.js'
import type {NodeId, WaitEdge} from '../protocol/types.js'
import {pageKey} from '../protocol/types.js'
import {describeCycle} from '../protocol/wait-graph.js'
import type {Op} from '../workload/types.js'

/** What a run does when the manager finds a deadlock (`--on-deadlock`). */
export type DeadlockPolicy = 'report' | 'abort' | 'ignore'
export const DEADLOCK_POLICIES: readonly DeadlockPolicy[] = ['report', 'abort', 'ignore']

/** One deadlock, merged from the reports of the nodes in its cycle. */
export interface DeadlockRecord {
  readonly id: number
  /** Milliseconds since the run's start when the first report arrived. */
  readonly timeMs: number
  readonly cycle: readonly WaitEdge[]
  /** `node 0 holds b/0 (EX) and waits for a/0 (SH) held by node 1, which ...` */
  readonly text: string
  /** The youngest waiter: the node whose wait is abandoned under `report`. */
  readonly victim: NodeId
  readonly broken: boolean
  /** The op each node of the cycle was playing (as that node reported it). */
  readonly ops: Record<string, string | null>
}

export interface StuckNode {
  readonly node: NodeId
  readonly op: string | null
  readonly waits: readonly string[]
}

/** One line of events.jsonl. */
export type RunEventRecord =
  | ({readonly type: 'deadlock'} & DeadlockRecord)
  | {readonly type: 'stuck'; readonly timeMs: number; readonly idleMs: number; readonly nodes: readonly StuckNode[]}

export interface DeadlockReport {
  readonly node: NodeId
  readonly id: number
  readonly victim: NodeId
  readonly cycle: readonly WaitEdge[]
  readonly op: string | null
  readonly broken: boolean
}

/** Merges per-node deadlock reports by id (each node of a cycle reports the same cycle). */
export class DeadlockLog {
  readonly #byId = new Map<number, {timeMs: number; cycle: readonly WaitEdge[]; victim: NodeId; broken: boolean; ops: Record<string, string | null>}>()

  /** Returns true for the first report of a deadlock. */
  add(r: DeadlockReport, timeMs: number): boolean {
    const known = this.#byId.get(r.id)
    if (known !== undefined) {
      known.ops[String(r.node)] = r.op
      known.broken ||= r.broken
      return false
    }
    this.#byId.set(r.id, {timeMs, cycle: r.cycle, victim: r.victim, broken: r.broken, ops: {[String(r.node)]: r.op}})
    return true
  }

  records(): DeadlockRecord[] {
    return [...this.#byId.entries()]
      .sort(([a], [b]) => a - b)
      .map(([id, d]) => ({id, timeMs: d.timeMs, cycle: d.cycle, text: describeCycle(d.cycle), victim: d.victim, broken: d.broken, ops: d.ops}))
  }
}

export function describeOp(op: Op): string {
  switch (op.f) {
    case 'read':
    case 'write':
      return `${op.f} ${pageKey(op.page)}`
    case 'copy':
      return `copy ${pageKey(op.from)} -> ${pageKey(op.to)} (${op.pages} page${op.pages === 1 ? '' : 's'})`
    case 'msync':
      return `msync ${op.file}`
    case 'sleep':
      return `sleep ${op.us}us`
  }
}

/** What a node holds pinned and waits for, from its core's snapshot (for stuck-run reports). */
export function describeWaits(units: readonly UnitSnapshot[]): string[] {
  const out: string[] = []
  for (const u of units) {
    if (u.pins.length > 0) {
      const cb = u.callback === null ? '' : `, ${u.callback.kind} callback deferred`
      out.push(`holds ${u.unit} ${u.mode} pinned x${u.pins.length}${cb}`)
    } else if (u.callback !== null) {
      // Not pinned yet not released: a lock someone waits for and this node keeps (hold time?).
      out.push(`holds ${u.unit} ${u.mode}, ${u.callback.kind} callback pending (seq ${u.callback.seq}, ${u.holders} holders)`)
    }
    const f = u.inflight
    if (f !== null && (f.request === 'acquire' || f.request === 'upgrade')) out.push(`waits for ${u.unit}: ${f.request} ${f.detail}`)
    else if (u.waiting.length > 0) out.push(`${u.waiting.length} op(s) parked on ${u.unit}${f === null ? '' : ` behind ${f.request} ${f.detail}`}`)
  }
  return out
}
