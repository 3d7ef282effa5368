// Chooses what the timeline shows: by default the units and window of the first violation (or
// the busiest units from the start), so that a run of any size gives a page that stays small
// and usable; `--unit`, `--from`, `--to` choose explicitly.
import {validityWord} from '../../check/verdict.js'
import {buildFaults, buildItems} from './items.js'
import {locateViolations} from '../../check/locate.js'
import type {RunSummary} from '../../results/summary.js'
import {StoredRunError} from '../../results/load-run.js'
import {unitOfKey, type RunRecords} from '../../check/run-records.js'
import type {HistoryEntry} from '../../records/history.js'
import type {TimelineRecords} from './records.js'
import type {TimelineData, TimelineItem} from './types.js'

export interface TimelineChoice {
  readonly units?: readonly string[]
  readonly from?: number
  readonly to?: number
}

/** Units drawn by default (each has one lane per node). */
const DEFAULT_UNITS = 4
/** Bars and marks embedded at most: past this the window is cut short (the page says so). */
export const MAX_ITEMS = 12_000

/** Units by their ops, busiest first (cheap: the page's bars are built for the chosen units only). */
export function busiestUnits(history: readonly HistoryEntry[], granularity: string): {unit: string; items: number}[] {
  const counts = new Map<string, number>()
  for (const e of history) {
    const unit = unitOfKey(e.key, granularity)
    counts.set(unit, (counts.get(unit) ?? 0) + 1)
  }
  return [...counts].map(([unit, items]) => ({unit, items: items >> 1})).sort((a, b) => b.items - a.items || a.unit.localeCompare(b.unit))
}

/** The units drawn when there is no violation: --unit, else the busiest. */
export function unitsWithoutViolations(history: readonly HistoryEntry[], summary: RunSummary, choice: TimelineChoice): string[] {
  if (choice.units && choice.units.length > 0) return [...choice.units]
  return busiestUnits(history, summary.settings.granularity).slice(0, DEFAULT_UNITS).map((u) => u.unit)
}

/**
 * A --unit the run never touched, or a --from at or past its end, drew an empty page and said
 * "0 bars" with exit 0, so a typo (`--unit a0`, `--from 2s` for 2ms) went unnoticed.
 */
function checkChoice(choice: TimelineChoice, units: readonly {unit: string}[], durationMs: number): void {
  const known = units.map((u) => u.unit)
  const unknown = (choice.units ?? []).filter((u) => !known.includes(u))
  if (unknown.length > 0) {
    const list = known.length === 0 ? 'none' : `${known.slice(0, 8).join(', ')}${known.length > 8 ? ', ...' : ''}`
    throw new StoredRunError(`--unit ${unknown.join(',')}: no such lock unit in this run (its units: ${list})`)
  }
  if (choice.from !== undefined && choice.from >= durationMs) throw new StoredRunError(`--from ${choice.from}ms: at or after the run's end (${durationMs.toFixed(1)}ms)`)
}

export function buildTimeline(r: TimelineRecords, choice: TimelineChoice = {}): TimelineData {
  const violations = locateViolations(r)
  const allUnits = busiestUnits(r.history, r.summary.settings.granularity)
  checkChoice(choice, allUnits, r.summary.durationMs)
  const first = violations[0]
  const why: string[] = []
  let units: string[]
  if (first && !(choice.units && choice.units.length > 0)) {
    units = [...new Set([first.unit, ...violations.map((v) => v.unit)])].filter((u) => u !== '').slice(0, DEFAULT_UNITS)
    why.push(`the units of the violations (first: ${first.kind} on ${first.unit})`)
  } else {
    units = unitsWithoutViolations(r.history, r.summary, choice)
    why.push(choice.units && choice.units.length > 0 ? `units ${units.join(', ')} (--unit)` : `the ${units.length} busiest units`)
  }
  let from = choice.from ?? 0
  let to = choice.to ?? r.summary.durationMs
  if (choice.from === undefined && choice.to === undefined && first) {
    // Around where it starts: a violation that lasts to the end of the run would otherwise ask for all of it.
    const span = Math.min(Math.max(0, first.to - first.from), 50)
    const pad = Math.max(20, 2 * span)
    from = Math.max(0, first.from - pad)
    to = Math.min(r.summary.durationMs, first.from + span + pad)
    why.push(`around the first violation (${from.toFixed(1)}..${to.toFixed(1)} ms)`)
  } else if (choice.from !== undefined || choice.to !== undefined) why.push(`${from}..${to} ms (--from/--to)`)
  const chosen = new Set(units)
  let items = markLinearizability(r, buildItems(r, (u) => chosen.has(u))).filter((it) => it.end >= from && it.start <= to).sort((a, b) => a.start - b.start)
  if (items.length > MAX_ITEMS) {
    to = items[MAX_ITEMS - 1]!.start
    items = items.slice(0, MAX_ITEMS)
    why.push(`cut at ${to.toFixed(1)} ms (${MAX_ITEMS} bars at most; use --from/--to for later times)`)
  }
  const s = r.summary
  return {
    run: {id: s.runId, workload: s.workload.name, nodes: s.settings.nodes, granularity: s.settings.granularity, seed: s.seed, break: s.break, durationMs: s.durationMs, verdict: validityWord(s.checks.valid)},
    window: {from, to}, chosen: why.join('; '), units,
    items, faults: buildFaults(r).filter((f) => f.to >= from && f.from <= to),
    violations, allUnits,
  }
}

/** Porcupine's picture: the op that cannot be placed, and the end of the longest linearizable prefix before it. */
function markLinearizability(r: RunRecords<RunSummary>, items: TimelineItem[]): TimelineItem[] {
  const marks = new Map<string, string>()
  for (const v of (r.summary.checks.checks.linearizable?.violations ?? []) as {blocked?: {invokeLine: number; completeLine: number | null}; prefixTail?: string[]}[]) {
    if (v.blocked) marks.set(`history.jsonl:${v.blocked.invokeLine}-${v.blocked.completeLine ?? ''}`, 'blocked')
    for (const t of v.prefixTail ?? []) {
      const m = /\(lines (\d+)-(\d+)\)/.exec(t)
      if (m) marks.set(`history.jsonl:${m[1]}-${m[2]}`, 'prefix')
    }
  }
  if (marks.size === 0) return items
  return items.map((it) => {
    if (it.row !== 'op') return it
    const m = /history\.jsonl:(\d+-\d*)/.exec(it.title)
    const cls = m ? marks.get(`history.jsonl:${m[1]}`) : undefined
    if (cls === undefined) return it
    return {...it, cls, title: `${it.title}${cls === 'blocked' ? ': CANNOT BE PLACED after the longest linearizable prefix' : ': in the longest linearizable prefix'}`}
  })
}
