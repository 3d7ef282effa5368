// The run's history (Jepsen's shape) and the coherence trace, as nodes record them.
import type {PteState} from '../protocol/types.js'

export type HistoryType = 'invoke' | 'ok' | 'fail' | 'info'

export interface HistoryEntry {
  /** Position in the merged history (assigned by the orchestrator; -1 until then). */
  index: number
  /** Nanoseconds since the run's start (wall clock shared by the nodes of one host). */
  readonly time: number
  /** The node id (a restarted node would get a new process id). */
  readonly process: number
  readonly type: HistoryType
  readonly f: 'read' | 'write'
  /** `FILE/PAGE` */
  readonly key: string
  /** The page's stamp read (ok) or written (invoke and ok); null for a never-written page. */
  readonly value: string | null
}

/** One page-table change on one node, with the hold it was made under. */
export interface TraceEntry {
  readonly time: number
  readonly node: number
  readonly key: string
  readonly from: PteState
  readonly to: PteState
  readonly unit: string
  readonly seq: number
  readonly generation: number
}

/**
 * One change of a node's lock on a unit, as the node saw it: a grant read (fresh or upgrade), a
 * demote sent (to UN: `release`, to SH: `downgrade`), or a hold the manager said it no longer
 * knows (`lost`, a stale reply). A node sees a grant after the manager made it and gives a lock
 * up before the manager hears of it, so its hold intervals lie inside the manager's: two nodes'
 * intervals that conflict prove the manager's did (the coherence checker relies on this).
 */
export interface LockEntry {
  /** Nanoseconds since the run's start, as TraceEntry. */
  readonly time: number
  readonly node: number
  readonly unit: string
  readonly event: 'grant' | 'upgrade' | 'downgrade' | 'release' | 'lost'
  /** The mode held after the event (UN after release and lost). */
  readonly mode: 'UN' | 'SH' | 'EX'
  readonly seq: number
  readonly generation: number
}

/** Process id of one incarnation of a node (Jepsen: a crashed process comes back as a new one). */
export function processId(node: number, incarnation: number, nodes: number): number {
  return node + incarnation * nodes
}
