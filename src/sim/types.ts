// Vocabulary of the model checker: what a model is made of, its actions, and its verdicts.
import type {BreakVariant} from '../protocol/break.js'
import type {CopyStrategy} from '../protocol/copy-plan.js'
import type {PageRef, ProtocolSettings} from '../protocol/types.js'

/** How a node's copy takes its locks: the real worker's copy plans (src/protocol/copy-plan.ts). */
export {COPY_STRATEGIES, type CopyStrategy} from '../protocol/copy-plan.js'

/**
 * What a node does with a `deadlock` message from the manager (the run's `--on-deadlock`):
 * `ignore` nothing (a cycle stays: the search reports the stuck state), `report` the victim
 * abandons its wait as the real runtime does (its op fails, the others go on), `abort` the
 * run stops: a violation at the moment the manager names the cycle.
 */
export type DeadlockPolicy = 'ignore' | 'report' | 'abort'
export const DEADLOCK_POLICIES: readonly DeadlockPolicy[] = ['ignore', 'report', 'abort']

/** One application operation of a node's program (a workload op, minus sleeps). */
export type ModelOp =
  | {readonly f: 'read'; readonly page: PageRef}
  | {readonly f: 'write'; readonly page: PageRef}
  | {readonly f: 'copy'; readonly from: PageRef; readonly to: PageRef; readonly pages: number}
  | {readonly f: 'msync'; readonly file: string}

export interface ModelConfig {
  /**
   * With holdTimeUs > 0 a deferred callback asks for a timer; the clock only moves when a timer
   * fires (a `timer` action), so every order of expiries and other events is explored.
   */
  readonly settings: ProtocolSettings
  /** Program of node i (node ids 0..n-1), run one op at a time as the worker does. */
  readonly programs: readonly (readonly ModelOp[])[]
  /** Every page the programs touch: invariants are checked on these. */
  readonly pages: readonly PageRef[]
  readonly copy: CopyStrategy
  readonly variant: BreakVariant | null
  /** Absent: `ignore`. */
  readonly onDeadlock?: DeadlockPolicy
  /** Rounds a `retry` copy makes before it takes the ordered path. Absent: the worker's RETRY_LIMIT. */
  readonly retryLimit?: number
  /**
   * Node kills the search may make (absent: 0). A kill declares the node's incarnation dead at
   * the manager and purges it (docs/PROTOCOL.md "Node loss"); the node restarts empty under a
   * new process id and goes on with its program's next op.
   */
  readonly kills?: number
  /**
   * Pauses past the lease the search may make (absent: 0). The manager declares the paused
   * incarnation dead and purges it, but the node still reacts to what it had already received
   * (its late requests must be fenced); no op of it completes (its lease is gone); its `op`
   * action resumes it: it finds its lease lost, drops everything and restarts as after a kill.
   */
  readonly pauses?: number
}

/**
 * An action is a small integer: kind * MAX_NODES + node. Each names "the next thing on that
 * link" (the head of a FIFO), so a trace stays meaningful when shrinking removes steps.
 */
export const MAX_NODES = 16
export const ACTION_KINDS = ['op', 'req', 'rep', 'msg', 'disk', 'timer', 'kill', 'pause'] as const
export type ActionKind = (typeof ACTION_KINDS)[number]
export type Action = number

export function action(kind: ActionKind, node: number): Action {
  return ACTION_KINDS.indexOf(kind) * MAX_NODES + node
}
export function kindOf(a: Action): ActionKind {
  const k = ACTION_KINDS[Math.floor(a / MAX_NODES)]
  if (k === undefined) throw new Error(`bad action ${a}`)
  return k
}
export function nodeOf(a: Action): number {
  return a % MAX_NODES
}

/** Trace text: `op0 req0 rep0 msg1 ...` (kind and node). */
export function formatTrace(trace: readonly Action[]): string {
  return trace.map((a) => `${kindOf(a)}${nodeOf(a)}`).join(' ')
}

export function parseTrace(text: string): Action[] {
  const words = text.trim().split(/[\s,]+/).filter((w) => w.length > 0)
  return words.map((w) => {
    const m = /^(op|req|rep|msg|disk|timer|kill|pause)(\d+)$/.exec(w)
    if (m === null) throw new TraceFormatError(`bad trace step "${w}": expected op|req|rep|msg|disk|timer|kill|pause followed by a node id`)
    const node = Number(m[2])
    if (node >= MAX_NODES) throw new TraceFormatError(`bad trace step "${w}": node id above ${MAX_NODES - 1}`)
    return action(m[1] as ActionKind, node)
  })
}

export class TraceFormatError extends Error {
  override readonly name = 'TraceFormatError'
}

/** Which promise a violation broke. */
export type ViolationKind =
  | 'single-writer' // two nodes with conflicting modes or mappings on one unit/page
  | 'mapping-without-lock' // a page mapped by a node not holding the lock it needs (RO: SH or EX, RW: EX), as the run's coherence check
  | 'stale-content' // a mapped page or a read differs from the latest write
  | 'stale-writeback' // the disk accepted a write-back of an older EX generation
  | 'lost-write' // at the end, the latest write is neither cached dirty nor on disk
  | 'deadlock' // ops pending and nothing can happen
  | 'assertion' // a node or manager invariant (TIGER_STYLE assertion) fired
  | 'not-quiescent' // everything finished but locks or requests are left waiting

export interface Violation {
  readonly kind: ViolationKind
  readonly message: string
}
