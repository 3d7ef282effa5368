// A parsed, validated workload script (`workloads/*.yaml`). See README "Workload format".
import type {DowngradeStyle, Granularity, PageRef, StatesMode} from '../protocol/types.js'
import type {CopyStrategy} from '../protocol/copy-plan.js'

export const WORKLOAD_FORMAT_VERSION = 1

export interface ClusterSettings {
  readonly nodes: number
  readonly granularity: Granularity
  readonly states: StatesMode
  readonly pageSize: number
  readonly downgrade: DowngradeStyle
  /** microseconds */
  readonly holdTimeUs: number
  /** How a copy takes its locks (docs/DEADLOCKS.md). */
  readonly copyStrategy: CopyStrategy
}

export interface FileSpec {
  readonly pages: number
}

/** One operation a node performs. */
export type Op =
  | {readonly f: 'read'; readonly page: PageRef}
  /** Writes a fresh unique value into the page through the mapping. */
  | {readonly f: 'write'; readonly page: PageRef}
  /** write() into `to` from a buffer that is an mmap of `from`: `pages` consecutive pages. */
  | {readonly f: 'copy'; readonly from: PageRef; readonly to: PageRef; readonly pages: number}
  | {readonly f: 'msync'; readonly file: string}
  | {readonly f: 'sleep'; readonly us: number}

export type PageChoice = 'uniform' | 'zipf'

/** A random mix of reads, writes and copies. Percentages add up to 100. */
export interface MixStep {
  readonly kind: 'mix'
  /** Stop after this many ops, or after this long (microseconds): exactly one is set. */
  readonly ops: number | null
  readonly durationUs: number | null
  /** Per-node ops/s (open loop: latency is measured from each op's intended start). null = closed loop. */
  readonly rate: number | null
  readonly read: number
  readonly write: number
  readonly copy: number
  readonly pages: PageChoice
  /** Files the mix draws from (default: all files of the workload). */
  readonly files: readonly string[]
}

export type Step =
  | {readonly kind: 'op'; readonly op: Op}
  | {readonly kind: 'repeat'; readonly times: number; readonly body: readonly Step[]}
  | MixStep

export interface Workload {
  readonly version: number
  readonly name: string
  readonly description: string
  readonly cluster: ClusterSettings
  readonly files: Readonly<Record<string, FileSpec>>
  /** Steps per node id, 0..nodes-1, after resolving "all" / "1,2" / "0-3" selectors (in script order). */
  readonly nodes: readonly (readonly Step[])[]
  /** Where the script came from, for messages. */
  readonly source: string
  /** Scheduled faults (issue 4); absent when the script has no `chaos:`. */
  readonly chaos?: readonly ChaosStep[]
}

/** The next op a node should run. `intendedUs` is set for open-loop (rate-limited) ops. */
export interface ScheduledOp {
  readonly op: Op
  /** Intended start, microseconds since the node started its workload. */
  readonly intendedUs: number | null
}

/** A lazily generated op sequence for one node. */
export interface OpStream {
  /** Total ops when known in advance (for progress); null for duration-bound mixes. */
  readonly total: number | null
  /** `elapsedUs`: time since the node started the workload (bounds duration mixes). */
  next(elapsedUs: number): ScheduledOp | null
}

// Faults a workload schedules (its `chaos:` list or --chaos); chaos/schedule.ts injects them.

export type ChaosTarget = number | 'random'

/**
 * Fault points, read from the manager's state of the page's unit (polled every 2 ms):
 * `dirty` the EX holder (a write workload's EX hold has dirty pages); `writing-back` a holder
 * that was sent a release/downgrade callback (it is writing back to answer it, or about to);
 * `upgrading` the node whose SH->EX upgrade is pending; `waiting` the head of the queue.
 */
export type FaultPoint = 'dirty' | 'writing-back' | 'upgrading' | 'waiting'

export const FAULT_POINTS: readonly FaultPoint[] = ['dirty', 'writing-back', 'upgrading', 'waiting']

export type ChaosStep =
  /** SIGKILL the node; restart it (new incarnation) after `restartMs`, or never (null). */
  | {readonly atMs: number; readonly everyMs: number | null; readonly kill: ChaosTarget; readonly restartMs: number | null}
  /** SIGSTOP the node for `forMs`, then SIGCONT (a pause past the lease makes it a zombie). */
  | {readonly atMs: number; readonly everyMs: number | null; readonly pause: ChaosTarget; readonly forMs: number}
  /** SIGKILL whichever node is at the fault point `when` on `page`'s unit, once it is. */
  | {readonly atMs: number; readonly everyMs: number | null; readonly killAt: {readonly page: string; readonly when: FaultPoint}; readonly restartMs: number | null}
  /** SIGKILL the private Redis primary and start it again on its own data (none kept without --redis-durability). */
  | {readonly atMs: number; readonly everyMs: number | null; readonly restartRedis: true}
  /** `--redis-topology sentinel`: kill the primary, Sentinel promotes the replica. */
  | {readonly atMs: number; readonly everyMs: number | null; readonly failoverRedis: true}
