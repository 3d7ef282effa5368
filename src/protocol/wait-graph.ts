// The manager's wait-for graph (docs/DEADLOCKS.md), the model side. The Lua side is the
// `graph_*` part of src/redis/lua/common.lua; the differential test requires both to agree.
//
// Node W waits for node H when W is queued (or upgrading) on a unit that H holds AND H told the
// manager it cannot answer its callback there because a pin holds the lock (a `defer` request).
// A holder that merely caches the lock is no edge: it releases on the callback, so a plain
// waits-for-holders graph would report cycles that resolve by themselves. A cycle of real edges
// can never resolve (each node's pins are held by the op that waits), so it is a deadlock.
//
// Detection runs at the moment the last edge of a cycle appears: a waiter queued (acquire,
// upgrade) or a pin-deferred callback (defer). Both are slow paths (contention), so the common
// fault pays nothing.
import type {HeldMode, NodeId, Outgoing, UnitId, WaitEdge} from './types.js'

export interface GraphWait {
  readonly node: NodeId
  readonly unit: UnitId
  readonly mode: HeldMode
  /** Order of waits begun: the youngest waiter has the largest. */
  readonly n: number
}

export interface GraphPin {
  readonly node: NodeId
  readonly unit: UnitId
  readonly mode: HeldMode
  readonly seq: number
}

export interface WaitGraph {
  waitCount: number
  deadlocks: number
  /** Keyed `NODE|UNIT`. */
  readonly waits: Map<string, GraphWait>
  readonly pinned: Map<string, GraphPin>
}

/** The graph as stored (Redis hash `wfg`), for comparing the model with Lua. */
export interface WaitGraphView {
  readonly waitCount: number
  readonly deadlocks: number
  /** Sorted by node, then n. */
  readonly waits: readonly GraphWait[]
  /** Sorted by node, then unit. */
  readonly pinned: readonly GraphPin[]
}

export function createWaitGraph(): WaitGraph {
  return {waitCount: 0, deadlocks: 0, waits: new Map(), pinned: new Map()}
}

const key = (node: NodeId, unit: UnitId) => `${node}|${unit}`

export function beginWait(g: WaitGraph, node: NodeId, unit: UnitId, mode: HeldMode): void {
  g.waitCount += 1
  g.waits.set(key(node, unit), {node, unit, mode, n: g.waitCount})
}

export function endWait(g: WaitGraph, node: NodeId, unit: UnitId): void {
  g.waits.delete(key(node, unit))
}

/** Records a pin-deferred callback; false if it was already recorded (nothing new to detect). */
export function markPinned(g: WaitGraph, node: NodeId, unit: UnitId, mode: HeldMode, seq: number): boolean {
  const old = g.pinned.get(key(node, unit))
  if (old !== undefined && old.seq === seq && old.mode === mode) return false
  g.pinned.set(key(node, unit), {node, unit, mode, seq})
  return true
}

export function unmarkPinned(g: WaitGraph, node: NodeId, unit: UnitId): void {
  g.pinned.delete(key(node, unit))
}

interface Edge extends WaitEdge {
  readonly n: number
}

/** Edges out of `node`, in a fixed order (its waits by age, then holders by node id). */
function edgesFrom(g: WaitGraph, node: NodeId): Edge[] {
  const waits = [...g.waits.values()].filter((w) => w.node === node).sort((a, b) => a.n - b.n)
  const edges: Edge[] = []
  for (const w of waits) {
    const holders = [...g.pinned.values()].filter((p) => p.unit === w.unit && p.node !== node).sort((a, b) => a.node - b.node)
    for (const h of holders) edges.push({node, unit: w.unit, wants: w.mode, heldBy: h.node, held: h.mode, n: w.n})
  }
  return edges
}

/**
 * A cycle through the new edges (depth first, fixed order), or null. The new edges are the ones
 * out of `start` waiting for `unit` (a wait began) or into `start` held on `unit` (a pin was
 * recorded): an older cycle through `start` was reported when it formed and is not new.
 */
function cycleThrough(g: WaitGraph, start: NodeId, unit: UnitId, change: 'wait' | 'pin'): Edge[] | null {
  const visited = new Set<NodeId>([start])
  const walk = (node: NodeId, path: Edge[]): Edge[] | null => {
    for (const e of edgesFrom(g, node)) {
      if (change === 'wait' && path.length === 0 && e.unit !== unit) continue
      if (e.heldBy === start && (change === 'wait' || e.unit === unit)) return [...path, e]
      if (e.heldBy === start) continue
      if (visited.has(e.heldBy)) continue
      visited.add(e.heldBy)
      const found = walk(e.heldBy, [...path, e])
      if (found !== null) return found
    }
    return null
  }
  return walk(start, [])
}

/**
 * After new edges at `start` (its wait for `unit` began, or its pin on `unit` was recorded): if
 * they closed a cycle, count it and tell every node of the cycle (starting from the lowest node
 * id), naming the youngest waiter as the victim.
 */
export function detect(g: WaitGraph, start: NodeId, unit: UnitId, change: 'wait' | 'pin', out: Outgoing[]): void {
  const found = cycleThrough(g, start, unit, change)
  if (found === null) return
  let first = 0
  let youngest = 0
  found.forEach((e, i) => {
    if (e.node < (found[first]?.node ?? Infinity)) first = i
    if (e.n > (found[youngest]?.n ?? -1)) youngest = i
  })
  const rotated = [...found.slice(first), ...found.slice(0, first)]
  const cycle: WaitEdge[] = rotated.map(({node, unit, wants, heldBy, held}) => ({node, unit, wants, heldBy, held}))
  const victim = found[youngest]?.node ?? start
  g.deadlocks += 1
  for (const e of cycle) out.push({to: e.node, message: {type: 'deadlock', unit: e.unit, id: g.deadlocks, victim, cycle}})
}

export function waitGraphView(g: WaitGraph): WaitGraphView {
  return {
    waitCount: g.waitCount,
    deadlocks: g.deadlocks,
    waits: [...g.waits.values()].sort((a, b) => a.node - b.node || a.n - b.n),
    pinned: [...g.pinned.values()].sort((a, b) => a.node - b.node || (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : 0)),
  }
}

/** `node 0 holds b/0 (EX) and waits for a/0 (SH) held by node 1, which holds a/0 (EX) and ...` */
export function describeCycle(cycle: readonly WaitEdge[]): string {
  const parts = cycle.map((e, i) => {
    const prev = cycle[(i + cycle.length - 1) % cycle.length]
    const holds = prev === undefined ? '' : `holds ${prev.unit} (${prev.held}) and `
    return `${i === 0 ? `node ${e.node}` : 'which'} ${holds}waits for ${e.unit} (${e.wants}) held by node ${e.heldBy}`
  })
  return parts.join(', ')
}

/** An independent copy (the model checker explores from copies of one state). */
export function cloneWaitGraph(g: WaitGraph): WaitGraph {
  // Entries are replaced, never changed in place: sharing them is safe.
  return {waitCount: g.waitCount, deadlocks: g.deadlocks, waits: new Map(g.waits), pinned: new Map(g.pinned)}
}

/**
 * Canonical text of what the graph will decide from here: waits and pin records, sorted. A
 * wait's age enters only as its rank (detection only compares ages, and a new wait is always
 * the youngest), and the counters not at all (they only number cycles for reports), so states
 * that differ only in history share a key.
 */
export function waitGraphKey(g: WaitGraph): string {
  const waits = [...g.waits.values()].sort((a, b) => a.n - b.n)
  const rank = new Map(waits.map((w, i) => [w, i]))
  let s = ''
  for (const w of [...waits].sort((a, b) => a.node - b.node || (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : 0))) s += `w${w.node}${w.unit}${w.mode}${rank.get(w)};`
  for (const p of [...g.pinned.values()].sort((a, b) => a.node - b.node || (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : 0))) s += `d${p.node}${p.unit}${p.mode}${p.seq};`
  return s
}
