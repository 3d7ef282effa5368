// Exploring a model: seeded random walks, replay of a trace, and shrinking a failing trace to a
// short one. The exhaustive search is src/sim/search.ts (re-exported here).
import {createRng, deriveSeed} from '../workload/random.js'
import {protocolFor, type Protocol} from './protocol.js'
import {SimState, ViolationError} from './state.js'
import type {Found, SearchLimits} from './search.js'
import {kindOf, type Action, type ModelConfig, type Violation} from './types.js'

export {exhaustive, type ExhaustiveResult, type Found, type Progress, type SearchLimits} from './search.js'

export interface RandomResult {
  readonly kind: 'random'
  readonly walks: number
  readonly steps: number
  readonly seconds: number
  readonly complete: boolean
  readonly found: Found | null
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
