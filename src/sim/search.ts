// Exhaustive search of a model: depth-first with a compact visited table (src/sim/visited.ts),
// then, on a violation, breadth-first bounded by that trace's length for a shortest one. States
// are merged by their key, or (symmetry reduction, the default where it is sound) by the key of
// their orbit under permutations of interchangeable nodes. The depth-first engine runs from a
// work item (a trace prefix and the actions left at its end), so the worker threads of a
// parallel search (src/sim/parallel.ts) run the same code on pieces of one search.
import {protocolFor, type Protocol} from './protocol.js'
import {SimState, ViolationError} from './state.js'
import {identity, stateHash, type Hash64} from './state-key.js'
import {canonicalHash, searchSymmetry} from './symmetry.js'
import type {Action, ModelConfig, Violation} from './types.js'
import {VisitedSet} from './visited.js'

export interface Found {
  readonly violation: Violation
  /** Actions from the initial state up to and including the one that broke it (deadlock: up to the stuck state). */
  readonly trace: Action[]
  /** Random walks: the walk's seed (`--replay SEED`). */
  readonly seed: number | null
}

export interface ExhaustiveResult {
  readonly kind: 'exhaustive'
  /** States reached (transitions run), distinct states (after hashing), deepest path, terminal states. */
  readonly transitions: number
  readonly distinct: number
  readonly maxDepth: number
  readonly ends: number
  /** Paths cut by the depth bound (0: the search covered every interleaving). */
  readonly cut: number
  readonly seconds: number
  readonly complete: boolean
  readonly found: Found | null
  /** States were merged up to permutations of interchangeable nodes. */
  readonly symmetry: boolean
  /** Threads that searched (1: this one). */
  readonly workers: number
}

/** What a long search reports about once a second. */
export interface Progress {
  readonly seconds: number
  readonly transitions: number
  readonly distinct: number
  /** States waiting to be expanded (depth-first: on the stack; breadth-first: in the next level). */
  readonly queue: number
  /** Depth of the state being expanded. */
  readonly depth: number
}

export interface SearchLimits {
  readonly depth: number
  /** Wall-clock budget, milliseconds. */
  readonly budgetMs: number
  /**
   * `dfs` (the default): depth-first, memory depth x state, the fastest; when it finds a
   * violation, a breadth-first search bounded by that trace's length finds a shortest one.
   * `bfs`: breadth-first only (as TLC), one level of states in memory.
   */
  readonly order?: 'bfs' | 'dfs'
  /** Symmetry reduction where sound (absent: on). */
  readonly symmetry?: boolean
  /** Called at most once a second while the search runs. */
  readonly progress?: (p: Progress) => void
}

/** How states are told apart: the hash of their key, or of their orbit's. */
export type KeyOf = (s: SimState) => Hash64

export function keyFunction(model: ModelConfig, symmetry: boolean): {keyOf: KeyOf; symmetry: boolean} {
  const sym = searchSymmetry(model, symmetry)
  if (sym !== null) return {keyOf: (s) => canonicalHash(s, sym), symmetry: true}
  const name = identity(model.programs.length)
  const order = model.programs.map((_, i) => i)
  return {keyOf: (s) => stateHash(s, name, order), symmetry: false}
}

/** Every interleaving of the model, each distinct state expanded once. */
export function exhaustive(model: ModelConfig, limits: SearchLimits, protocol: Protocol = protocolFor(model.variant), now: () => number = performance.now.bind(performance)): ExhaustiveResult {
  const {keyOf, symmetry} = keyFunction(model, limits.symmetry ?? true)
  if (limits.order === 'bfs') return breadthFirst(model, limits, protocol, now, keyOf, symmetry)
  const started = now()
  const visited = VisitedSet.local()
  const root = SimState.initial(model, protocol)
  visited.addHash(keyOf(root))
  const stats = newStats()
  const result = (found: Found | null, complete: boolean): ExhaustiveResult => ({kind: 'exhaustive', ...stats, distinct: visited.size, seconds: (now() - started) / 1000, complete, found, symmetry, workers: 1})
  const first = root.enabled().length === 0 ? root.checkStuck() : null
  if (first !== null) return result({violation: first, trace: [], seed: null}, true)
  const deadline = started + limits.budgetMs
  const dfs = new DepthFirst(model, protocol, keyOf, visited, limits.depth, stats)
  dfs.start({prefix: [], actions: root.enabled()}, root)
  const ticker = progressTicker(limits.progress, now, started)
  const outcome = dfs.run(() => {
    ticker({transitions: stats.transitions, distinct: visited.size, queue: dfs.stackSize, depth: dfs.depth})
    return now() > deadline
  })
  if (outcome === 'stopped') return result(null, false)
  if (outcome === 'done') return result(null, true)
  return shortest(model, limits, protocol, now, keyOf, result(outcome, true))
}

/** After a depth-first search found `r.found`: a breadth-first one bounded by its length finds a shortest violation. */
export function shortest(model: ModelConfig, limits: SearchLimits, protocol: Protocol, now: () => number, keyOf: KeyOf, r: ExhaustiveResult): ExhaustiveResult {
  if (r.found === null) return r
  const left = limits.budgetMs - r.seconds * 1000
  const b = breadthFirst(model, {depth: r.found.trace.length, budgetMs: Math.max(left, 1000)}, protocol, now, keyOf, r.symmetry)
  if (b.found === null || b.found.trace.length > r.found.trace.length) return r
  return {...r, found: b.found, seconds: r.seconds + b.seconds}
}

export interface Stats {
  transitions: number
  maxDepth: number
  ends: number
  cut: number
}

export function newStats(): Stats {
  return {transitions: 0, maxDepth: 0, ends: 0, cut: 0}
}

/** A piece of a depth-first search: the state at the end of `prefix`, and which of its actions to explore. */
export interface WorkItem {
  readonly prefix: readonly Action[]
  readonly actions: readonly Action[]
}

interface Frame {
  readonly state: SimState
  readonly actions: readonly Action[]
  next: number
}

/** How often (in transitions) the search looks at the clock, a stop flag or a hungry thread. */
export const CHECK_EVERY = 0x3ff

/**
 * Depth-first from a work item, with an explicit stack of states (memory: depth x state). A
 * violation ends it with the trace from the initial state.
 */
export class DepthFirst {
  #prefix: readonly Action[] = []
  #stack: Frame[] = []

  constructor(
    readonly model: ModelConfig,
    readonly protocol: Protocol,
    readonly keyOf: KeyOf,
    readonly visited: VisitedSet,
    readonly maxDepth: number,
    readonly stats: Stats,
  ) {}

  /** Starts on an item; `state` is the state at the end of its prefix (replayed when absent). */
  start(item: WorkItem, state?: SimState): void {
    let s = state
    if (s === undefined) {
      s = SimState.initial(this.model, this.protocol)
      for (const a of item.prefix) s.apply(a)
    }
    this.#prefix = item.prefix
    this.#stack = [{state: s, actions: item.actions, next: 0}]
  }

  get stackSize(): number {
    return this.#stack.length
  }

  /** Depth of the state on top of the stack. */
  get depth(): number {
    return this.#prefix.length + this.#stack.length - 1
  }

  /**
   * Runs until the stack is empty (`done`), `check` (called every CHECK_EVERY transitions)
   * says stop, or a violation is found.
   */
  run(check: () => boolean): 'done' | 'stopped' | Found {
    const stack = this.#stack
    const stats = this.stats
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as Frame
      if (top.next >= top.actions.length) {
        stack.pop()
        continue
      }
      const a = top.actions[top.next++] as Action
      if ((stats.transitions & CHECK_EVERY) === 0 && check()) {
        top.next--
        return 'stopped'
      }
      const s = top.state.clone()
      stats.transitions++
      try {
        s.apply(a)
      } catch (e) {
        if (e instanceof ViolationError) return {violation: e.violation, trace: this.trace(), seed: null}
        throw e
      }
      if (!this.visited.addHash(this.keyOf(s))) continue
      const depth = this.#prefix.length + stack.length
      if (depth > stats.maxDepth) stats.maxDepth = depth
      const actions = s.enabled()
      if (actions.length === 0) {
        stats.ends++
        const v = s.checkStuck()
        if (v !== null) return {violation: v, trace: this.trace(), seed: null}
        continue
      }
      if (depth >= this.maxDepth) {
        stats.cut++
        continue
      }
      stack.push({state: s, actions, next: 0})
    }
    return 'done'
  }

  /** The actions from the initial state to the last one taken from the top frame. */
  trace(): Action[] {
    return [...this.#prefix, ...this.#stack.map((f) => f.actions[f.next - 1] as Action)]
  }

  /**
   * Gives away the untried actions of the frame nearest the initial state that has any (the
   * biggest piece of work, the least to replay), or null when there is nothing to give.
   */
  donate(): WorkItem | null {
    for (let f = 0; f < this.#stack.length; f++) {
      const frame = this.#stack[f] as Frame
      // The top frame keeps at least its current action; lower frames give all they have left.
      if (frame.next >= frame.actions.length || (f === this.#stack.length - 1 && frame.actions.length - frame.next < 2)) continue
      const prefix = [...this.#prefix, ...this.#stack.slice(0, f).map((x) => x.actions[x.next - 1] as Action)]
      const actions = frame.actions.slice(frame.next)
      this.#stack[f] = {state: frame.state, actions: frame.actions.slice(0, frame.next), next: frame.next}
      return {prefix, actions}
    }
    return null
  }
}

/** Calls `progress` at most once a second. */
export function progressTicker(progress: SearchLimits['progress'], now: () => number, started: number): (p: Omit<Progress, 'seconds'>) => void {
  if (progress === undefined) return () => {}
  let last = started
  return (p) => {
    const t = now()
    if (t - last < 1000) return
    last = t
    progress({...p, seconds: (t - started) / 1000})
  }
}

/**
 * Breadth-first: every distinct state is expanded once, in order of distance from the initial
 * state, so the first violation met is at the least depth. A state remembers only its parent's
 * index and the action that reached it (two numbers), which is enough to rebuild its trace.
 */
function breadthFirst(model: ModelConfig, limits: SearchLimits, protocol: Protocol, now: () => number, keyOf: KeyOf, symmetry: boolean): ExhaustiveResult {
  const started = now()
  const deadline = started + limits.budgetMs
  const visited = VisitedSet.local()
  const parent: number[] = [-1]
  const via: Action[] = [-1]
  const root = SimState.initial(model, protocol)
  visited.addHash(keyOf(root))
  const stats = newStats()
  const result = (found: Found | null, complete: boolean): ExhaustiveResult => ({kind: 'exhaustive', ...stats, distinct: visited.size, seconds: (now() - started) / 1000, complete, found, symmetry, workers: 1})
  const traceTo = (index: number): Action[] => {
    const t: Action[] = []
    for (let i = index; i > 0; i = parent[i] as number) t.push(via[i] as Action)
    return t.reverse()
  }
  const rootActions = root.enabled()
  if (rootActions.length === 0) {
    const v = root.checkStuck()
    return result(v === null ? null : {violation: v, trace: [], seed: null}, true)
  }
  const ticker = progressTicker(limits.progress, now, started)
  // Each queued state keeps its enabled actions, computed once when it was reached.
  let level: {state: SimState; index: number; actions: Action[]}[] = [{state: root, index: 0, actions: rootActions}]
  for (let depth = 1; level.length > 0; depth++) {
    const next: {state: SimState; index: number; actions: Action[]}[] = []
    for (const {state, index, actions} of level) {
      for (const a of actions) {
        if ((stats.transitions & CHECK_EVERY) === 0) {
          if (now() > deadline) return result(null, false)
          ticker({transitions: stats.transitions, distinct: visited.size, queue: next.length, depth})
        }
        const s = state.clone()
        stats.transitions++
        try {
          s.apply(a)
        } catch (e) {
          if (e instanceof ViolationError) return result({violation: e.violation, trace: [...traceTo(index), a], seed: null}, true)
          throw e
        }
        if (!visited.addHash(keyOf(s))) continue
        const child = parent.length
        parent.push(index)
        via.push(a)
        stats.maxDepth = depth
        const enabled = s.enabled()
        if (enabled.length === 0) {
          stats.ends++
          const v = s.checkStuck()
          if (v !== null) return result({violation: v, trace: traceTo(child), seed: null}, true)
          continue
        }
        if (depth >= limits.depth) stats.cut++
        else next.push({state: s, index: child, actions: enabled})
      }
    }
    level = next
  }
  return result(null, true)
}
