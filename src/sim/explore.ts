// Exploring a model: exhaustive depth-first search with state hashing, seeded random walks,
// replay of a trace, and shrinking a failing trace to a short one.
import {createRng, deriveSeed} from '../workload/random.js'
import {hashKey} from './hash.js'
import {protocolFor, type Protocol} from './protocol.js'
import {SimState, ViolationError} from './state.js'
import {kindOf, type Action, type ModelConfig, type Violation} from './types.js'

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
}

export interface RandomResult {
  readonly kind: 'random'
  readonly walks: number
  readonly steps: number
  readonly seconds: number
  readonly complete: boolean
  readonly found: Found | null
}

export interface SearchLimits {
  readonly depth: number
  /** Wall-clock budget, milliseconds. */
  readonly budgetMs: number
  /**
   * `dfs` (the default): depth-first, memory depth x state, the fastest (most states die young,
   * which the garbage collector likes: about 1.6x the rate of `bfs` here); when it finds a
   * violation, a breadth-first search bounded by that trace's length finds a shortest one.
   * `bfs`: breadth-first only (as TLC), one level of states in memory.
   */
  readonly order?: 'bfs' | 'dfs'
}

interface Frame {
  readonly state: SimState
  readonly actions: Action[]
  next: number
}

/** Every interleaving of the model, each distinct state expanded once. */
export function exhaustive(model: ModelConfig, limits: SearchLimits, protocol: Protocol = protocolFor(model.variant), now: () => number = performance.now.bind(performance)): ExhaustiveResult {
  if (limits.order === 'bfs') return breadthFirst(model, limits, protocol, now)
  const r = depthFirst(model, limits, protocol, now)
  if (r.found === null) return r
  const left = limits.budgetMs - r.seconds * 1000
  const b = breadthFirst(model, {depth: r.found.trace.length, budgetMs: Math.max(left, 1000)}, protocol, now)
  if (b.found === null || b.found.trace.length > r.found.trace.length) return r
  return {...r, found: b.found, seconds: r.seconds + b.seconds}
}

/**
 * Breadth-first: every distinct state is expanded once, in order of distance from the initial
 * state, so the first violation met is at the least depth. A state remembers only its parent's
 * index and the action that reached it (two numbers), which is enough to rebuild its trace.
 */
function breadthFirst(model: ModelConfig, limits: SearchLimits, protocol: Protocol, now: () => number): ExhaustiveResult {
  const started = now()
  const deadline = started + limits.budgetMs
  const visited = new Set<number>()
  const parent: number[] = [-1]
  const via: Action[] = [-1]
  const root = SimState.initial(model, protocol)
  visited.add(hashKey(root.key()))
  let transitions = 0
  let maxDepth = 0
  let ends = 0
  let cut = 0
  const result = (found: Found | null, complete: boolean): ExhaustiveResult => ({kind: 'exhaustive', transitions, distinct: visited.size, maxDepth, ends, cut, seconds: (now() - started) / 1000, complete, found})
  const traceTo = (index: number): Action[] => {
    const t: Action[] = []
    for (let i = index; i > 0; i = parent[i] as number) t.push(via[i] as Action)
    return t.reverse()
  }
  if (root.enabled().length === 0) {
    const v = root.checkStuck()
    return result(v === null ? null : {violation: v, trace: [], seed: null}, true)
  }
  let level: {state: SimState; index: number}[] = [{state: root, index: 0}]
  for (let depth = 1; level.length > 0; depth++) {
    const next: {state: SimState; index: number}[] = []
    for (const {state, index} of level) {
      for (const a of state.enabled()) {
        if ((transitions & 0x3ff) === 0 && now() > deadline) return result(null, false)
        const s = state.clone()
        transitions++
        try {
          s.apply(a)
        } catch (e) {
          if (e instanceof ViolationError) return result({violation: e.violation, trace: [...traceTo(index), a], seed: null}, true)
          throw e
        }
        const h = hashKey(s.key())
        if (visited.has(h)) continue
        visited.add(h)
        const child = parent.length
        parent.push(index)
        via.push(a)
        maxDepth = depth
        if (s.enabled().length === 0) {
          ends++
          const v = s.checkStuck()
          if (v !== null) return result({violation: v, trace: traceTo(child), seed: null}, true)
          continue
        }
        if (depth >= limits.depth) cut++
        else next.push({state: s, index: child})
      }
    }
    level = next
  }
  return result(null, true)
}

/**
 * Depth-first with an explicit stack of states (memory: depth x state); visited states are kept
 * as 53-bit hashes only.
 */
function depthFirst(model: ModelConfig, limits: SearchLimits, protocol: Protocol, now: () => number): ExhaustiveResult {
  const started = now()
  const deadline = started + limits.budgetMs
  const visited = new Set<number>()
  const root = SimState.initial(model, protocol)
  visited.add(hashKey(root.key()))
  const stack: Frame[] = [{state: root, actions: root.enabled(), next: 0}]
  let transitions = 0
  let maxDepth = 0
  let ends = 0
  let cut = 0
  const result = (found: Found | null, complete: boolean): ExhaustiveResult => ({kind: 'exhaustive', transitions, distinct: visited.size, maxDepth, ends, cut, seconds: (now() - started) / 1000, complete, found})
  const traceOf = (last: Action | null): Action[] => {
    const t = stack.map((f) => f.actions[f.next - 1] as Action).slice(0, -1)
    const top = stack[stack.length - 1]
    if (top && top.next > 0) t.push(top.actions[top.next - 1] as Action)
    return last === null ? t : [...t, last]
  }
  const first = root.enabled().length === 0 ? root.checkStuck() : null
  if (first !== null) return result({violation: first, trace: [], seed: null}, true)
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as Frame
    if (top.next >= top.actions.length) {
      stack.pop()
      continue
    }
    const a = top.actions[top.next++] as Action
    if ((transitions & 0x3ff) === 0 && now() > deadline) return result(null, false)
    const s = top.state.clone()
    transitions++
    try {
      s.apply(a)
    } catch (e) {
      if (e instanceof ViolationError) return result({violation: e.violation, trace: traceOf(null), seed: null}, true)
      throw e
    }
    const h = hashKey(s.key())
    if (visited.has(h)) continue
    visited.add(h)
    const depth = stack.length
    if (depth > maxDepth) maxDepth = depth
    const actions = s.enabled()
    if (actions.length === 0) {
      ends++
      const v = s.checkStuck()
      if (v !== null) return result({violation: v, trace: traceOf(null), seed: null}, true)
      continue
    }
    if (depth >= limits.depth) {
      cut++
      continue
    }
    stack.push({state: s, actions, next: 0})
  }
  return result(null, true)
}

/** A node kill or pause: rare in walks (KILL_CHANCE), never the only choice. */
function isFault(a: Action): boolean {
  const k = kindOf(a)
  return k === 'kill' || k === 'pause'
}

/** Seed of walk i of a run seeded with `seed`: walks can be replayed one by one. */
export function walkSeed(seed: number, i: number): number {
  return deriveSeed(seed, i)
}

/** Chance per step that a walk stalls one link (a slow connection, a paused node, a lost wakeup). */
const STALL_CHANCE = 0.05
/** A stalled link stays stalled for 1..STALL_STEPS steps of everyone else. */
const STALL_STEPS = 40
/** Chance per step that a walk may kill a node (while kills are left): kills spread over the walk. */
const KILL_CHANCE = 0.02

/**
 * One random walk: at each step one enabled action, uniformly, which reorders the links against
 * each other (each link stays FIFO, as a connection is). Fault injection, as VOPR does: now and
 * then one link (a node's requests, replies, messages, disk reads or its application thread) is
 * stalled for a while, so that long delays, which a uniform choice almost never makes, happen.
 * Returns the trace and the violation, if any.
 */
export function walk(model: ModelConfig, seed: number, depth: number, protocol: Protocol = protocolFor(model.variant)): {trace: Action[]; violation: Violation | null} {
  const rand = createRng(seed)
  const r = (): number => rand.nextFloat()
  const s = SimState.initial(model, protocol)
  const trace: Action[] = []
  const stalled = new Map<Action, number>()
  for (let step = 0; step < depth; step++) {
    const all = s.enabled()
    if (all.length === 0) return {trace, violation: s.checkStuck()}
    if (r() < STALL_CHANCE) stalled.set(all[Math.floor(r() * all.length)] as Action, step + 1 + Math.floor(r() * STALL_STEPS))
    for (const [link, until] of stalled) if (until <= step) stalled.delete(link)
    const mayKill = r() < KILL_CHANCE
    const free = all.filter((x) => !stalled.has(x) && (mayKill || !isFault(x)))
    // Everything stalled: the stalls cannot all last (a delay, never a loss).
    const actions = free.length > 0 ? free : all.filter((x) => !isFault(x))
    const a = actions[Math.floor(r() * actions.length)] as Action
    trace.push(a)
    try {
      s.apply(a)
    } catch (e) {
      if (e instanceof ViolationError) return {trace, violation: e.violation}
      throw e
    }
  }
  return {trace, violation: null}
}

export function random(model: ModelConfig, walks: number, seed: number, limits: SearchLimits, protocol: Protocol = protocolFor(model.variant), now: () => number = performance.now.bind(performance)): RandomResult {
  const started = now()
  let steps = 0
  for (let i = 0; i < walks; i++) {
    if (now() - started > limits.budgetMs) return {kind: 'random', walks: i, steps, seconds: (now() - started) / 1000, complete: false, found: null}
    const ws = walkSeed(seed, i)
    const w = walk(model, ws, limits.depth, protocol)
    steps += w.trace.length
    if (w.violation !== null) return {kind: 'random', walks: i + 1, steps, seconds: (now() - started) / 1000, complete: true, found: {violation: w.violation, trace: w.trace, seed: ws}}
  }
  return {kind: 'random', walks, steps, seconds: (now() - started) / 1000, complete: true, found: null}
}

export interface ReplayStep {
  readonly action: Action
  readonly said: string
  /** False when the action was not enabled (a hand-edited or shrunk trace): it was skipped. */
  readonly ran: boolean
}

/**
 * Runs a trace from the initial state; actions that are not enabled are skipped. Stops at the
 * first violation; at the end of the trace, a state with no enabled action is checked as stuck.
 */
export function replay(model: ModelConfig, trace: readonly Action[], describe = false, protocol: Protocol = protocolFor(model.variant)): {steps: ReplayStep[]; violation: Violation | null; state: SimState} {
  const s = SimState.initial(model, protocol)
  s.describe = describe
  const steps: ReplayStep[] = []
  for (const a of trace) {
    if (!s.isEnabled(a)) {
      steps.push({action: a, said: '', ran: false})
      continue
    }
    try {
      const said = s.apply(a)
      steps.push({action: a, said, ran: true})
    } catch (e) {
      if (e instanceof ViolationError) {
        steps.push({action: a, said: `${e.said}: ${e.violation.kind} broken here`, ran: true})
        return {steps, violation: e.violation, state: s}
      }
      throw e
    }
  }
  const violation = s.enabled().length === 0 ? s.checkStuck() : null
  return {steps, violation, state: s}
}

/** The ran steps of a replay up to its violation: a trace with nothing skipped. */
function effective(model: ModelConfig, trace: readonly Action[], protocol: Protocol): {trace: Action[]; violation: Violation | null} {
  const r = replay(model, trace, false, protocol)
  return {trace: r.steps.filter((s) => s.ran).map((s) => s.action), violation: r.violation}
}

/**
 * Shrinks a failing trace: drops chunks of steps (halves, quarters, ... single steps) while the
 * same kind of violation still happens, as delta debugging does. Bounded by `maxReplays`.
 */
export function shrink(model: ModelConfig, trace: readonly Action[], kind: Violation['kind'], protocol: Protocol = protocolFor(model.variant), maxReplays = 20_000): Action[] {
  let best = effective(model, trace, protocol).trace
  let replays = 0
  for (let chunk = Math.max(1, best.length >> 1); chunk >= 1; chunk = chunk === 1 ? 0 : Math.max(1, chunk >> 1)) {
    let progress = true
    while (progress && replays < maxReplays) {
      progress = false
      for (let at = 0; at + chunk <= best.length && replays < maxReplays; ) {
        const candidate = [...best.slice(0, at), ...best.slice(at + chunk)]
        replays++
        const r = effective(model, candidate, protocol)
        if (r.violation?.kind === kind && r.trace.length < best.length) {
          best = r.trace
          progress = true
        } else at += chunk
      }
    }
  }
  return best
}
