// The timeline's data (`cmm report timeline`): what the page draws, in ms since the run's start.
// Kept as plain JSON: it is embedded in the HTML file and drawn there by a small script.

/** One bar or mark in one lane (a unit x a node). `end` = `start` for a mark. */
export interface TimelineItem {
  readonly unit: string
  readonly node: number
  readonly row: TimelineRowKind
  readonly start: number
  readonly end: number
  /** Drawn on the bar (short): `EX 12`, `RW`, `w n0:3`. */
  readonly label: string
  /** Style: the mode (SH/EX/RO/RW), the op outcome (ok/fail/info), wait, callback, writeback, fenced, blocked, prefix. */
  readonly cls: string
  /** Shown on hover: the full story, with the record file and line. */
  readonly title: string
}

/** Rows of one lane, top to bottom. */
export type TimelineRowKind = 'lock' | 'wait' | 'pte' | 'op'
export const TIMELINE_ROWS: readonly TimelineRowKind[] = ['lock', 'wait', 'pte', 'op']

/** A fault window (kill until restart, pause until resume) or a marker (from = to), across every lane. */
export interface TimelineFault {
  readonly from: number
  readonly to: number
  readonly label: string
  readonly node?: number
}

import type {LocatedViolation} from '../../records/violation.js'
export type {LocatedViolation}

export interface TimelineData {
  readonly run: {
    readonly id: string
    readonly workload: string
    readonly nodes: number
    readonly granularity: string
    readonly seed: number
    readonly break: string | null
    readonly durationMs: number
    readonly verdict: string
  }
  /** The window of the data embedded (the page can zoom and pan inside it). */
  readonly window: {readonly from: number; readonly to: number}
  /** Why these units and this window were chosen (shown at the top). */
  readonly chosen: string
  readonly units: readonly string[]
  readonly items: readonly TimelineItem[]
  readonly faults: readonly TimelineFault[]
  readonly violations: readonly LocatedViolation[]
  /** Units with at least one item in the run (the page lists them, for `--unit`). */
  readonly allUnits: readonly {readonly unit: string; readonly items: number}[]
}
