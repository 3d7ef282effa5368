// A run as it is collected (RunCollected: everything a run produced, before it is written and
// checked) and the events the orchestrator emits while it goes on (RunEvent: live view, text
// progress, timeline). Plain data shared by the orchestrator, the checkers, the results writer and
// the reports.
import type {ProtocolSettings} from '../protocol/types.js'
import type {BreakVariant} from '../protocol/break.js'
import type {Workload} from '../workload/types.js'
import type {BucketCounts, EncodedHistograms} from './histogram-keys.js'
import type {NodeCounters} from './counters.js'
import type {FinalState} from './final-state.js'
import type {EventLine} from './events.js'
import type {NodeLiveSummary, NodeState} from './live.js'
import type {DeadlockPolicy, DeadlockRecord, StuckNode} from './deadlocks.js'
import type {RunResources} from './resources.js'
import type {RedisFaultAccount} from './redis-faults.js'

/** A run ends as stuck when no node made progress for this long (the liveness bound), unless set. */
export const DEFAULT_LIVENESS_MS = 10_000

/** One node as the live view sees it at a progress tick. */
export interface NodeLive {
  readonly node: number
  readonly state: NodeState
  readonly ops: number
  /** From the node's last progress report; null before the first one. */
  readonly summary: NodeLiveSummary | null
}

export type RunEvent =
  | {readonly type: 'redis'; readonly url: string; readonly private: boolean}
  | {readonly type: 'waiting-for-nodes'; readonly runId: string; readonly redisUrl: string; readonly nodes: number; readonly networkFaults?: boolean}
  | {readonly type: 'started'; readonly runId: string; readonly nodes: readonly {node: number; pid: number; host: string}[]}
  /**
   * `interval`: the corrected latencies of the ops completed since the previous progress event, bucket counts by key (added up, never decoded).
   * `cpuBusy`: how busy the machine's CPUs were over the last ~2 s (0..1); `saturated`: busy enough that latencies include waiting for a CPU.
   */
  | {readonly type: 'progress'; readonly elapsedMs: number; readonly done: number; readonly total: number | null; readonly perNode: readonly number[]; readonly interval: Readonly<Record<string, BucketCounts>>; readonly nodes?: readonly NodeLive[]; readonly cpuBusy?: number | null; readonly saturated?: boolean}
  | {readonly type: 'paused'; readonly elapsedMs: number; readonly paused: boolean}
  | {readonly type: 'node-done'; readonly elapsedMs: number; readonly node: number; readonly ops: number}
  /** A checker's verdict once the run is over (emitted by executeRun). */
  | {readonly type: 'check'; readonly name: string; readonly valid: true | false | 'unknown'; readonly summary: string}
  | {readonly type: 'node-error'; readonly node: number; readonly message: string}
  | {readonly type: 'stuck'; readonly idleMs: number; readonly nodes?: readonly StuckNode[]}
  | {readonly type: 'deadlock'; readonly id: number; readonly text: string; readonly victim: number; readonly policy: DeadlockPolicy}
  /** A fault or recovery step as logged in events.jsonl (kill, pause, node-restarted, death-detected, ...). */
  | {readonly type: 'fault'; readonly line: EventLine}

/** `deadlocked`: the manager found a deadlock and the policy was `abort`. */
export type RunEnd = 'completed' | 'interrupted' | 'stuck' | 'failed' | 'deadlocked'

/** Everything a run produced, before it is written to disk and checked. */
export interface RunCollected {
  readonly runId: string
  readonly dir: string
  readonly workload: Workload
  readonly settings: ProtocolSettings
  readonly seed: number
  /** topology, durability, replicaLagMs: null for a Redis given with --redis; waitReplicas: --redis-wait. */
  readonly redis: {readonly url: string; readonly private: boolean; readonly topology?: string | null; readonly durability?: string | null; readonly waitReplicas?: number; readonly replicaLagMs?: number | null}
  readonly startedAt: string
  readonly durationMs: number
  readonly end: RunEnd
  readonly errors: readonly {node: number; message: string}[]
  /** Per node, its incarnations merged (killed ones from their last progress report); `incarnations`: processes that played its script (1 + restarts), `unfinished`: those that never said done. */
  readonly nodes: readonly {node: number; pid: number; host: string; ops: number; counters: NodeCounters; histograms: EncodedHistograms | null; incarnations?: number; unfinished?: number; historyAccesses?: number}[]
  readonly totals: NodeCounters
  /*
   * The history, trace, lock log (every node's lock changes, for the coherence checker) and
   * request log are not held here: they are in the run's folder (history.jsonl, trace.jsonl,
   * locks.jsonl, requests.jsonl), written as they arrived, and read back from there.
   */
  readonly final: FinalState
  readonly breakVariant: BreakVariant | null
  /** The liveness bound the run was held to (ms). */
  readonly livenessMs: number
  /** `--warmup` (ms): what the nodes started before it is checked but in no latency histogram (0: none). */
  readonly warmupMs: number
  /** Node loss (issue 4): injected faults, detected deaths, recovery times, fenced write-backs. */
  readonly faults?: FaultSummary
  readonly onDeadlock: DeadlockPolicy
  /** Deadlocks the manager found (merged from the nodes' reports). */
  readonly deadlocks: readonly DeadlockRecord[]
  /** Redis restarts and failovers (issue 16): when, how long Redis was away, what was lost, the ops in flight. */
  readonly redisFaults?: readonly RedisFaultAccount[]
  /** events.jsonl, every line (faults, recoveries, deadlocks, a stuck run's waits), in the order written. */
  readonly events: readonly EventLine[]
  /** CPU and memory of every process, and whether the machine was saturated (run.json `resources`). */
  readonly resources?: RunResources
}

export interface FaultSummary {
  readonly kills: number
  readonly pauses: number
  readonly leaseLosses: number
  readonly deaths: number
  readonly restarts: number
  /** ms from the fault (kill/pause) to the dead node's locks purged and regranted. */
  readonly recoveryMs: readonly number[]
  /** Write-backs a dead or stale incarnation made that fencing refused. */
  readonly fencedWritebacks: number
  /** Process ids whose completed ops became `info` (they died; unflushed writes may be lost). */
  readonly deadProcesses: readonly number[]
  /** Per fault kind (kill, pause, partition, partition-to-redis, ..., delay, skew): count and recoveries. */
  readonly byKind?: readonly FaultKindRow[]
}

export interface FaultKindRow {
  readonly kind: string
  /** Faults of this kind injected. */
  readonly faults: number
  /** ms from each fault of this kind that cost a node its lease to its locks purged and regranted. */
  readonly recoveryMs: readonly number[]
}
