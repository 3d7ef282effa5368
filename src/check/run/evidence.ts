// What the checkers of a run look at: the same whether the run just ended (RunCollected) or was
// loaded back from its results folder (`cmm check run`).
import type {HistoryEntry, LockEntry, TraceEntry} from '../../records/history.js'
import type {FinalState} from '../../records/final-state.js'
import type {RunEnd} from '../../records/run.js'
import type {DeadlockRecord} from '../../records/deadlocks.js'
import type {CopyStrategy} from '../../protocol/copy-plan.js'

export interface RunEvidence {
  readonly history: readonly HistoryEntry[]
  readonly trace: readonly TraceEntry[]
  /** null: not recorded (a results folder without locks.jsonl): coherence is then unknown. */
  readonly locks: readonly LockEntry[] | null
  /** null: not recorded (no final.json): no-lost-writes is then unknown. */
  readonly final: FinalState | null
  readonly end: RunEnd
  readonly durationMs: number
  /** Per-op bound (and the run's no-progress bound), ms. */
  readonly livenessMs: number
  /** Node loss (issue 4): processes that died; their ops may end cut short without a violation. */
  readonly faults?: {readonly deadProcesses: readonly number[]}
  /** Wait-for cycles the manager found (events.jsonl); null: not recorded (deadlock check unknown); absent: none. */
  readonly deadlocks?: readonly DeadlockRecord[] | null
  /** Absent: `ordered`. */
  readonly copyStrategy?: CopyStrategy
}

/** Each check reports at most this many violations in full (they are all counted). */
export const MAX_VIOLATIONS = 5
