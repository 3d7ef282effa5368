// Symmetry reduction (as Murphi's): nodes that run the same program are interchangeable, so
// states that differ only by a permutation of those nodes are one state. A state is hashed by
// its key under the permutation that sorts the nodes of each class by what they are doing; the
// search itself runs on real states, so every trace it prints is in real node ids and replays.
import type {ModelConfig} from './types.js'
import {Naming, nodeKey, stateKey, type KeyedState} from './state-key.js'

/** Classes of interchangeable node slots (each sorted; slots alone in their class are left out). */
export interface Symmetry {
  readonly nodes: number
  readonly classes: readonly (readonly number[])[]
  /** Class index of each slot (-1: alone). */
  readonly classOf: readonly number[]
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
  return {nodes: model.programs.length, classes, classOf}
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
 * The key of the state's orbit: among the orders that sort each class's nodes by a
 * renaming-invariant signature (ties tried every way), the least key. Equal for every
 * permutation of interchangeable nodes (so they merge), and always the real key of one of
 * them (so a merge never joins states that behave differently).
 */
export function canonicalKey(s: KeyedState, sym: Symmetry): string {
  const n = s.nodes.length
  const sigs = s.nodes.map((node, i) => nodeKey(node, new Naming(n, (x) => (x === i ? 's' : sym.classOf[x] === -1 ? String(x) : `c${sym.classOf[x]}`))))
  // Per class: its members sorted by signature, split into runs of equal signatures.
  let orders: number[][] = [s.nodes.map((_, i) => i)]
  for (const members of sym.classes) {
    const sorted = [...members].sort((a, b) => ((sigs[a] as string) < (sigs[b] as string) ? -1 : (sigs[a] as string) > (sigs[b] as string) ? 1 : a - b))
    const runs: number[][] = []
    for (const slot of sorted) {
      const last = runs[runs.length - 1]
      if (last !== undefined && sigs[last[0] as number] === sigs[slot]) last.push(slot)
      else runs.push([slot])
    }
    const arrangements = runs.reduce<number[][]>((acc, run) => (orders.length * acc.length * factorial(run.length) > MAX_ORDERS ? acc.map((a) => [...a, ...run]) : acc.flatMap((a) => permutations(run).map((p) => [...a, ...p]))), [[]])
    // Class positions stay the class's own slots, in order; the nodes placed there are the arrangement's.
    orders = orders.flatMap((o) =>
      arrangements.map((arr) => {
        const next = [...o]
        members.forEach((pos, k) => (next[pos] = arr[k] as number))
        return next
      }),
    )
  }
  let best: string | null = null
  for (const order of orders) {
    const position = new Array<number>(n)
    order.forEach((slot, pos) => (position[slot] = pos))
    const key = stateKey(s, new Naming(n, (x) => String(position[x])), order)
    if (best === null || key < best) best = key
  }
  return best as string
}

function factorial(k: number): number {
  return k <= 1 ? 1 : k * factorial(k - 1)
}

function permutations(xs: readonly number[]): number[][] {
  if (xs.length <= 1) return [[...xs]]
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]))
}
