// A model checker's trace as a message sequence chart (`cmm check model ... --html FILE`): plain
// data made by src/sim/chart.ts from the trace the checker printed, drawn by
// src/report/model-chart/. Columns: the manager (0) and the nodes (1..N).

/** Column 0 is the manager; node K is column K + 1. */
export const MANAGER_COLUMN = 0

/** One node's state after a step: its lock modes per unit and its page mappings (PTEs). */
export interface ChartNodeState {
  /** e.g. `a/0 SH`, only units not UN. */
  readonly locks: readonly string[]
  /** e.g. `a/0 RO`, only pages mapped (a mapping left behind by a release included). */
  readonly ptes: readonly string[]
  /** `killed`, `paused` (past its lease), `cut` (partitioned): otherwise absent. */
  readonly status?: string
}

export interface ChartStep {
  /** 1-based, as printed by `cmm check model`. */
  readonly index: number
  /** The trace word (`op0`, `req1`, `msg0`, ...). */
  readonly action: string
  /** What the step did, as the checker prints it. */
  readonly text: string
  /** False when the action was not enabled (a hand-edited trace): nothing happened. */
  readonly ran: boolean
  /** A message delivered at this step (columns), or null for a step inside one column. */
  readonly arrow: {readonly from: number; readonly to: number} | null
  /** The column the step happens in (the arrow's head, or the node's own column). */
  readonly column: number
  /** The step that broke the invariant. */
  readonly violation: boolean
  /** Every node's state after the step, by node id. */
  readonly nodes: readonly ChartNodeState[]
  /** The manager's view after the step: per unit with holders, `a/0: 0 SH, 1 EX; queue 2 EX`. */
  readonly manager: readonly string[]
}

export interface ModelChart {
  readonly file: string
  /** The model, as `cmm check model` prints it (first line, then a line per node program). */
  readonly model: readonly string[]
  readonly nodes: number
  readonly steps: readonly ChartStep[]
  readonly violation: {readonly kind: string; readonly message: string} | null
  /** The trace text, for `--replay`. */
  readonly trace: string
  /** The command that reproduces the chart. */
  readonly command: string
}
