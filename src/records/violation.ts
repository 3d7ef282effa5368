// A violation placed where it happened (run.json `explained`, the timeline): kind, unit, nodes,
// times and the records that show it; causes (what the protocol did wrong) before symptoms (what
// the checker saw).
export interface LocatedViolation {
  /** The checker that found it. */
  readonly check: string
  /** e.g. `mapping-outlives-lock`, `conflicting-holds`, `writeback-dropped`, `conversion-deadlock`, `lost-write`. */
  readonly kind: string
  /** Causes come before the symptoms they lead to (a mapping outliving its lock before the conflicting mappings). */
  readonly cause: boolean
  readonly unit: string
  readonly nodes: readonly number[]
  /** ms since the run's start. */
  readonly from: number
  readonly to: number
  readonly text: string
  /** The records that show it: `locks.jsonl:12`, `history.jsonl:13-14`. */
  readonly records: readonly string[]
}
