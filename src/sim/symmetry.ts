// Symmetry reduction (as Murphi's): nodes that run the same program are interchangeable, so
// states that differ only by a permutation of those nodes are one state. A state is hashed by
// its key under the permutation that sorts the nodes of each class by what they are doing; the
// search itself runs on real states, so every trace it prints is in real node ids and replays.
import type {ModelConfig} from './types.js'
import type {SimNode} from './sim-node.js'
import {compareHash, Naming, nodeHash, nodesHash, ranksOf, stateHash, type Hash64, type KeyedState, type Ranks} from './state-key.js'

/** Classes of interchangeable node slots (each sorted; slots alone in their class are left out). */
export interface Symmetry {
  readonly nodes: number
  readonly classes: readonly (readonly number[])[]
  /** Class index of each slot (-1: alone). */
  readonly classOf: readonly number[]
  /** Per slot, the renaming its signature is written in: itself `s`, others by class. */
  readonly signature: readonly Naming[]
  /** Renamings by node order, made once (their ids key the node caches). */
  readonly byOrder: Map<string, Naming>
}

/** Tied nodes are tried in every order up to this many orders; past it one order is taken (still sound, less merging). */
const MAX_ORDERS = 24

/**
 * Why symmetry reduction is off for this model, or null when it may be on. It needs two nodes
 * with equal programs, and a protocol whose decisions do not depend on node ids: copies pin,
 * and the manager's wait-for graph breaks ties between cycles by node id.
 */
export function symmetryBlocker(model: ModelConfig): string | null {
  if (model.programs.some((p) => p.some((op) => op.f === 'copy'))) return 'copies pin, and the wait-for graph breaks ties by node id'
  if (symmetryOf(model).classes.length === 0) return 'no two nodes run the same program'
  return null
}

export function symmetryOf(model: ModelConfig): Symmetry {
  const bySig = new Map<string, number[]>()
  model.programs.forEach((p, slot) => {
    const sig = JSON.stringify(p)
    const list = bySig.get(sig)
    if (list === undefined) bySig.set(sig, [slot])
    else list.push(slot)
  })
  const classes = [...bySig.values()].filter((c) => c.length > 1)
  const classOf = model.programs.map(() => -1)
  classes.forEach((c, k) => c.forEach((slot) => (classOf[slot] = k)))
  const n = model.programs.length
  const signature = model.programs.map((_, i) => new Naming(`s${i}`, n, (x) => (x === i ? 's' : classOf[x] === -1 ? String(x) : `c${classOf[x]}`)))
  return {nodes: n, classes, classOf, signature, byOrder: new Map()}
}

/** The symmetry the search uses: null when off (asked off, or not sound here). */
export function searchSymmetry(model: ModelConfig, wanted: boolean): Symmetry | null {
  return wanted && symmetryBlocker(model) === null ? symmetryOf(model) : null
}

/** One-line description for the report. */
export function describeSymmetry(model: ModelConfig, wanted: boolean): string {
  if (!wanted) return 'symmetry reduction off (--no-symmetry)'
  const why = symmetryBlocker(model)
  if (why !== null) return `symmetry reduction off: ${why}`
  const sym = symmetryOf(model)
  return `symmetry reduction on: nodes ${sym.classes.map((c) => `{${c.join(',')}}`).join(' ')} run the same program and are interchangeable`
}

/**
 * The hash of the state's orbit: among the orders that sort each class's nodes by a
 * renaming-invariant signature (ties tried every way), the least hash of the state's key under
 * that order. Equal for every permutation of interchangeable nodes (so they merge), and always
 * the hash of the real key of one of them (so a merge never joins states that behave
 * differently, but by a hash collision, as without symmetry).
 */
export function canonicalHash(s: KeyedState, sym: Symmetry): Hash64 {
  const n = s.nodes.length
  // Counter ranks are the same under every permutation of the nodes.
  const ranks = ranksOf(s)
  const sigs: Hash64[] = []
  for (let i = 0; i < n; i++) sigs.push(nodeHash(s.nodes[i] as SimNode, sym.signature[i] as Naming, ranks))
  const bySig = (a: number, b: number): number => compareHash(sigs[a] as Hash64, sigs[b] as Hash64) || a - b
  let orders: number[][] = [identityOrder(n)]
  for (const members of sym.classes) {
    const sorted = [...members].sort(bySig)
    let tied = false
    for (let k = 1; k < sorted.length && !tied; k++) tied = compareHash(sigs[sorted[k] as number] as Hash64, sigs[sorted[k - 1] as number] as Hash64) === 0
    // Class positions stay the class's own slots, in order; the nodes placed there are sorted.
    if (!tied) {
      for (const o of orders) members.forEach((pos, k) => (o[pos] = sorted[k] as number))
      continue
    }
    const arrangements = arrange(sorted, sigs, orders.length)
    orders = orders.flatMap((o) =>
      arrangements.map((arr) => {
        const next = [...o]
        members.forEach((pos, k) => (next[pos] = arr[k] as number))
        return next
      }),
    )
  }
  if (orders.length > 1) orders = leastByNodes(s, sym, orders, ranks)
  let best: Hash64 | null = null
  for (const order of orders) {
    const h = stateHash(s, namingFor(sym, order), order, ranks)
    if (best === null || compareHash(h, best) < 0) best = h
  }
  return best as Hash64
}

/**
 * The orders whose nodes' texts hash least (the manager's text, the costly part to write under
 * each renaming, is then written only for these, usually one). Still a choice every permutation
 * of the state makes alike: its nodes' texts under an order are a permuted state's under the
 * permuted order.
 */
function leastByNodes(s: KeyedState, sym: Symmetry, orders: readonly number[][], ranks: Ranks): number[][] {
  let least: number[][] = []
  let min: Hash64 | null = null
  for (const order of orders) {
    const h = nodesHash(s, namingFor(sym, order), order, ranks)
    const c = min === null ? -1 : compareHash(h, min)
    if (c < 0) {
      min = h
      least = [order]
    } else if (c === 0) least.push(order)
  }
  return least
}

function identityOrder(n: number): number[] {
  const o: number[] = []
  for (let i = 0; i < n; i++) o.push(i)
  return o
}

/** Every order of the sorted members that keeps signatures sorted (ties tried every way, up to MAX_ORDERS in all). */
function arrange(sorted: readonly number[], sigs: readonly Hash64[], already: number): number[][] {
  const runs: number[][] = []
  for (const slot of sorted) {
    const last = runs[runs.length - 1]
    if (last !== undefined && compareHash(sigs[last[0] as number] as Hash64, sigs[slot] as Hash64) === 0) last.push(slot)
    else runs.push([slot])
  }
  return runs.reduce<number[][]>((acc, run) => (already * acc.length * factorial(run.length) > MAX_ORDERS ? acc.map((a) => [...a, ...run]) : acc.flatMap((a) => permutations(run).map((p) => [...a, ...p]))), [[]])
}

/** The renaming that writes the node at order[pos] as `pos`. */
function namingFor(sym: Symmetry, order: readonly number[]): Naming {
  const id = order.join(',')
  let naming = sym.byOrder.get(id)
  if (naming === undefined) {
    const position: number[] = []
    order.forEach((slot, pos) => (position[slot] = pos))
    const text = position.map(String)
    naming = new Naming(`p${id}`, sym.nodes, (x) => text[x] as string)
    sym.byOrder.set(id, naming)
  }
  return naming
}

function factorial(k: number): number {
  return k <= 1 ? 1 : k * factorial(k - 1)
}

function permutations(xs: readonly number[]): number[][] {
  if (xs.length <= 1) return [[...xs]]
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]))
}
