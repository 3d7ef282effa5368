// Single writer / multiple readers, judged from what the nodes actually did: each node's lock
// holds (grants read, demotes sent: locks.jsonl) and page-table changes (trace.jsonl, each made
// under a hold named by its seq). Violations:
//   conflicting-holds     two nodes hold one unit at once, one of them EX
//   conflicting-mappings  two nodes map one page at once, one of them RW
//   mapping-outlives-lock a mapping still there after the hold it was made under ended
//                         (for RW: after that hold stopped being EX)
//   mapping-without-lock  a mapping made while its node held no such lock
// A node's hold interval lies inside the manager's (it reads a grant after it was made and gives
// the lock up before the manager hears of it), so any conflict found here really happened.
import type {LockEntry, TraceEntry} from '../../records/history.js'
import type {CheckResult} from '../verdict.js'
import {MAX_VIOLATIONS} from './evidence.js'

type Mode = 'SH' | 'EX'

export interface HoldSegment {
  readonly node: number
  readonly unit: string
  readonly mode: Mode
  readonly seq: number
  readonly start: number
  /** Infinity: still held when the run ended. */
  end: number
}

export interface Mapping {
  readonly node: number
  readonly key: string
  readonly unit: string
  readonly pte: 'RO' | 'RW'
  readonly seq: number
  readonly start: number
  end: number
}

export type CoherenceViolation =
  | {readonly kind: 'conflicting-holds'; readonly unit: string; readonly holds: readonly [HoldSegment, HoldSegment]}
  | {readonly kind: 'conflicting-mappings'; readonly key: string; readonly mappings: readonly [Mapping, Mapping]}
  | {readonly kind: 'mapping-outlives-lock'; readonly mapping: Mapping; readonly lockEnd: number}
  | {readonly kind: 'mapping-without-lock'; readonly mapping: Mapping}

/** Node ids below this (the CLI allows 64 nodes): (unit or page, node) pairs become one number. */
const NODE_SLOTS = 1 << 12

/** Small integer ids for unit and page names: numeric Map keys instead of concatenated strings. */
class Names {
  readonly #ids = new Map<string, number>()
  of(name: string): number {
    let id = this.#ids.get(name)
    if (id === undefined) {
      id = this.#ids.size
      this.#ids.set(name, id)
    }
    return id
  }
  /** One number for (name, node). */
  pair(name: string, node: number): number {
    if (!(Number.isInteger(node) && node >= 0 && node < NODE_SLOTS)) throw new Error(`coherence: node id ${node} out of range`)
    return this.of(name) * NODE_SLOTS + node
  }
}

const KINDS = ['conflicting-holds', 'conflicting-mappings', 'mapping-outlives-lock', 'mapping-without-lock'] as const
/** Causes before the symptoms they lead to: a mapping left behind or made without its lock, or a grant made too early, before the conflicting mappings that follow. */
const CAUSE_FIRST: readonly CoherenceViolation['kind'][] = ['mapping-outlives-lock', 'mapping-without-lock', 'conflicting-holds', 'conflicting-mappings']

export function checkCoherence(trace: readonly TraceEntry[], locks: readonly LockEntry[]): CheckResult {
  const names = new Names()
  const holds = holdSegments(locks, names)
  const maps = mappings(trace, names)
  const violations: CoherenceViolation[] = []
  const counts: Record<string, number> = {holds: holds.length, mappings: maps.length}
  for (const k of KINDS) counts[k] = 0
  // Up to MAX_VIOLATIONS of each kind, so that a cause (a mapping outliving its lock) is kept
  // even when the symptoms it led to (conflicting mappings) were found first.
  const report = (v: CoherenceViolation) => {
    counts[v.kind] = (counts[v.kind] ?? 0) + 1
    if (counts[v.kind]! <= MAX_VIOLATIONS) violations.push(v)
  }
  overlaps(holds, (h) => names.of(h.unit), (a, b) => a.mode === 'EX' || b.mode === 'EX', (a, b) => report({kind: 'conflicting-holds', unit: a.unit, holds: [a, b]}))
  overlaps(maps, (m) => names.of(m.key), (a, b) => a.pte === 'RW' || b.pte === 'RW', (a, b) => report({kind: 'conflicting-mappings', key: a.key, mappings: [a, b]}))
  coveredByHolds(maps, holds, names, report)
  const found = KINDS.reduce((sum, k) => sum + (counts[k] ?? 0), 0)
  if (found === 0) return {valid: true, summary: `${holds.length} lock holds and ${maps.length} mappings: one writer or many readers at a time`, counts, violations: []}
  violations.sort((a, b) => CAUSE_FIRST.indexOf(a.kind) - CAUSE_FIRST.indexOf(b.kind))
  const kinds = CAUSE_FIRST.filter((k) => (counts[k] ?? 0) > 0).map((k) => `${k} ${counts[k]}`).join(', ')
  return {valid: false, summary: `${found} violations (${kinds}); first: ${violations[0]!.kind}: ${describe(violations[0]!)}`, counts, violations}
}

/** Hold intervals per (node, unit), split where the mode changes (upgrade, downgrade). */
export function holdSegments(locks: readonly LockEntry[], names = new Names()): HoldSegment[] {
  return intervals(locks, (l) => names.pair(l.unit, l.node), (l) =>
    l.mode === 'UN' ? null : {node: l.node, unit: l.unit, mode: l.mode, seq: l.seq, start: l.time, end: Infinity},
  )
}

/** Mapping intervals per (node, page): each PTE change ends the previous mapping and may start one. */
export function mappings(trace: readonly TraceEntry[], names = new Names()): Mapping[] {
  return intervals(trace, (t) => names.pair(t.key, t.node), (t) =>
    t.to === 'none' ? null : {node: t.node, key: t.key, unit: t.unit, pte: t.to, seq: t.seq, start: t.time, end: Infinity},
  )
}

/** Per id, each entry ends the interval open for that id and may open the next (still open at the end: Infinity). */
function intervals<E extends {time: number}, I extends {end: number}>(entries: readonly E[], idOf: (e: E) => number, opens: (e: E) => I | null): I[] {
  const open = new Map<number, I>()
  const out: I[] = []
  for (const e of byTime(entries)) {
    const id = idOf(e)
    const cur = open.get(id)
    if (cur !== undefined) {
      cur.end = e.time
      open.delete(id)
    }
    const next = opens(e)
    if (next !== null) {
      open.set(id, next)
      out.push(next)
    }
  }
  return out
}

/** The entries in time order: as given when they already are (the orchestrator sorts them), else a sorted copy. */
function byTime<T extends {time: number}>(list: readonly T[]): readonly T[] {
  for (let i = 1; i < list.length; i++) if (list[i]!.time < list[i - 1]!.time) return [...list].sort((a, b) => a.time - b.time)
  return list
}

/** Reports every pair of intervals of one group (unit or page), from two nodes, that overlap and conflict. */
function overlaps<T extends {node: number; start: number; end: number}>(
  items: readonly T[],
  group: (x: T) => number,
  conflict: (a: T, b: T) => boolean,
  report: (a: T, b: T) => void,
): void {
  const groups = new Map<number, T[]>()
  for (const x of items) {
    const g = group(x)
    const list = groups.get(g)
    if (list === undefined) groups.set(g, [x])
    else list.push(x)
  }
  for (const list of groups.values()) {
    list.sort((a, b) => a.start - b.start)
    const active: T[] = []
    for (const x of list) {
      // Touching intervals do not overlap: one node gave up before the other got it.
      let kept = 0
      for (const a of active) {
        if (a.end <= x.start) continue
        active[kept++] = a
        if (a.node !== x.node && conflict(a, x)) report(a, x)
      }
      active.length = kept
      active.push(x)
    }
  }
}

function coveredByHolds(maps: readonly Mapping[], holds: readonly HoldSegment[], names: Names, report: (v: CoherenceViolation) => void): void {
  // Per (unit, node), its hold segments in time order, which is also seq order (a unit's seq only grows).
  const byHolder = new Map<number, HoldSegment[]>()
  const unordered = new Set<HoldSegment[]>()
  for (const h of holds) {
    const id = names.pair(h.unit, h.node)
    const list = byHolder.get(id)
    if (list === undefined) byHolder.set(id, [h])
    else {
      if (list[list.length - 1]!.seq > h.seq) unordered.add(list)
      list.push(h)
    }
  }
  // Never seen in a real trace; a hand-made one may do it. Stable: a hold's segments keep their order.
  for (const list of unordered) list.sort((a, b) => a.seq - b.seq)
  for (const m of maps) {
    const segs = segmentsOf(byHolder.get(names.pair(m.unit, m.node)), m.seq)
    if (segs.length === 0 || m.start < segs[0]!.start) {
      report({kind: 'mapping-without-lock', mapping: m})
      continue
    }
    if (m.pte === 'RO') {
      // The segments of one hold are contiguous, from its grant to its release.
      const end = segs[segs.length - 1]!.end
      if (m.end > end) report({kind: 'mapping-outlives-lock', mapping: m, lockEnd: end})
      continue
    }
    // A write fault and the release that follows it can fall in the same microsecond: a mapping
    // made at the very instant its hold ends (and unmapped in that instant) is inside it.
    const ex = segs.find((s) => s.mode === 'EX' && s.start <= m.start && m.start <= s.end)
    if (ex === undefined) report({kind: 'mapping-without-lock', mapping: m})
    else if (m.end > ex.end) report({kind: 'mapping-outlives-lock', mapping: m, lockEnd: ex.end})
  }
}

/** The segments of hold `seq` in a holder's seq-ordered list (binary search; a hold has one to a few). */
function segmentsOf(list: readonly HoldSegment[] | undefined, seq: number): readonly HoldSegment[] {
  if (list === undefined) return []
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (list[mid]!.seq < seq) lo = mid + 1
    else hi = mid
  }
  let end = lo
  while (end < list.length && list[end]!.seq === seq) end++
  return list.slice(lo, end)
}

function ms(ns: number): string {
  return Number.isFinite(ns) ? `${(ns / 1e6).toFixed(3)}ms` : 'the end'
}

export function describe(v: CoherenceViolation): string {
  switch (v.kind) {
    case 'conflicting-holds': {
      const [a, b] = v.holds
      return `unit ${v.unit}: node ${a.node} held ${a.mode} (seq ${a.seq}, ${ms(a.start)}..${ms(a.end)}) while node ${b.node} held ${b.mode} (seq ${b.seq}, from ${ms(b.start)})`
    }
    case 'conflicting-mappings': {
      const [a, b] = v.mappings
      return `page ${v.key}: node ${a.node} mapped ${a.pte} (${ms(a.start)}..${ms(a.end)}) while node ${b.node} mapped ${b.pte} (from ${ms(b.start)})`
    }
    case 'mapping-outlives-lock':
      return `page ${v.mapping.key}: node ${v.mapping.node}'s ${v.mapping.pte} mapping (seq ${v.mapping.seq}) lasted until ${ms(v.mapping.end)}, its lock ended at ${ms(v.lockEnd)}`
    case 'mapping-without-lock':
      return `page ${v.mapping.key}: node ${v.mapping.node} mapped ${v.mapping.pte} at ${ms(v.mapping.start)} under seq ${v.mapping.seq}, which it did not hold${v.mapping.pte === 'RW' ? ' EX' : ''}`
  }
}
