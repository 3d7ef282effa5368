// Shapes of register histories (Jepsen's op format) and of the checker's verdict.
// The library takes plain objects so that `cmm run workload` can check its in-memory
// history without going through a file.

/** A register value: JSON scalars, compared by value (`1` and `"1"` differ). */
export type Scalar = string | number | boolean | null

/** A register name; `null` when entries carry no `key` (the whole history is one register). */
export type RegisterKey = string | number | null

export type Process = string | number

export type EntryType = 'invoke' | 'ok' | 'fail' | 'info'

export type RegisterFn = 'read' | 'write' | 'cas'

export type CasPair = readonly [Scalar, Scalar]

/** One line of a history. The cluster's `HistoryEntry` is assignable to this. */
export interface RegisterHistoryEntry {
  readonly process: Process
  readonly type: EntryType
  readonly f: RegisterFn
  readonly key?: string | number | null
  /** read: the value returned (on `ok`); write: the value written; cas: `[expected, new]`. */
  readonly value?: Scalar | CasPair
  readonly time?: number
  readonly index?: number
}

/** A history read from a file: the entries and, for each, its 1-based line number. */
export interface ParsedHistory {
  readonly source: string
  readonly entries: readonly RegisterHistoryEntry[]
  readonly lines: Int32Array
}

/** A completed (or possibly completed) operation, as shown in a failure report. */
export interface RegisterOp {
  readonly process: Process
  readonly f: RegisterFn
  readonly key: RegisterKey
  /** read: the value returned; write: the value written; cas: `[expected, new]`. */
  readonly value: Scalar | CasPair
  /** `info` also stands for an invoke that never completed: it may or may not have happened. */
  readonly outcome: 'ok' | 'info'
  /** Line of the invoke in the file (1-based entry number for an in-memory history). */
  readonly invokeLine: number
  /** Line of the completion; null when the op never completed. */
  readonly completeLine: number | null
  /** `index` and `time` of the invoke entry, when the history has them. */
  readonly index?: number
  readonly time?: number
}

export interface RegisterFailure {
  readonly key: RegisterKey
  /** The longest linearization of a prefix the search found, in linearization order. */
  readonly prefix: readonly RegisterOp[]
  /** The register's value after `prefix`. */
  readonly valueAfterPrefix: Scalar
  /** An op that must come next (its completion is reached) but cannot be placed. */
  readonly blocked: RegisterOp
}

export type Verdict = true | false | 'unknown'

export interface RegisterCheckResult {
  readonly valid: Verdict
  /** Registers in the history. */
  readonly keys: number
  /** Registers fully checked (all of them unless the verdict came early). */
  readonly keysChecked: number
  /** Ops the search had to place (after dropping failed ops and unfinished reads). */
  readonly ops: number
  /** Ops dropped before the search: `fail`, reads without a result, unobserved `info` writes. */
  readonly dropped: number
  /** Set when `valid` is false: the first register (in order of first appearance) that is not linearizable. */
  readonly failure?: RegisterFailure
  /**
   * Set when `valid` is 'unknown': the register whose search gave up, because the deadline
   * passed or because it visited `maxStates` states.
   */
  readonly gaveUp?: {readonly key: RegisterKey; readonly reason: 'deadline' | 'state-limit'}
  /** Search states visited, over all registers: a measure of how hard the history was. */
  readonly states: number
  readonly elapsedMs: number
}

export interface CheckOptions {
  /** Absolute deadline in `Date.now()` milliseconds; past it the verdict is 'unknown'. */
  readonly deadline?: number
  /**
   * Give up ('unknown') on a register after this many distinct search states, rather
   * than exhaust memory (each costs 24 bytes or more; at most 1 GiB in all). Default 20 million.
   */
  readonly maxStates?: number
}
