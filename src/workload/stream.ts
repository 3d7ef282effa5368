// A node's workload as a lazy op sequence: repeats and mixes are expanded one op at a time,
// so `repeat: 10000000` or a long mix costs no memory, and a duration mix can stop on time.
import {mixDrawer, type MixDrawer} from './mix.js'
import {createRng, deriveSeed, type Rng} from './random.js'
import type {MixStep, OpStream, ScheduledOp, Step, Workload} from './types.js'

const counted = new WeakMap<readonly Step[], number | null>()

/**
 * Ops a step list yields (every non-null next(), sleeps included), or null when a
 * duration-bound mix makes it unknowable. Memoized: the stream asks again on every repeat.
 */
export function countOps(steps: readonly Step[]): number | null {
  const known = counted.get(steps)
  if (known !== undefined) return known
  const total = sum(steps)
  counted.set(steps, total)
  return total
}

function sum(steps: readonly Step[]): number | null {
  let total = 0
  for (const step of steps) {
    const n = countStep(step)
    if (n === null) return null
    total += n
  }
  return total
}

function countStep(step: Step): number | null {
  switch (step.kind) {
    case 'op':
      // Sleeps are pauses, not operations: progress and ops/s count only real ops.
      return step.op.f === 'sleep' ? 0 : 1
    case 'mix':
      return step.ops
    case 'repeat': {
      if (step.times === 0) return 0
      const body = countOps(step.body)
      return body === null ? null : body * step.times
    }
  }
}

interface Context {
  readonly workload: Workload
  readonly rng: Rng
  /** Updated by every next() before resuming the generator. */
  elapsedUs: number
  readonly drawers: Map<MixStep, MixDrawer>
}

/**
 * The ops of node `nodeId`. The same (workload, node, seed) always gives the same sequence;
 * each node draws from its own stream derived from the seed.
 */
export function createOpStream(workload: Workload, nodeId: number, seed: number): OpStream {
  const steps = workload.nodes[nodeId]
  if (steps === undefined) {
    throw new RangeError(`node ${nodeId} is not in workload ${workload.name} (nodes 0..${workload.nodes.length - 1})`)
  }
  const ctx: Context = {workload, rng: createRng(deriveSeed(seed, nodeId)), elapsedUs: 0, drawers: new Map()}
  const ops = run(steps, ctx)
  let done = false
  return {
    total: countOps(steps),
    next(elapsedUs) {
      if (done) return null
      ctx.elapsedUs = elapsedUs
      const r = ops.next()
      if (r.done === true) {
        done = true
        return null
      }
      return r.value
    },
  }
}

function* run(steps: readonly Step[], ctx: Context): Generator<ScheduledOp, void, void> {
  for (const step of steps) {
    switch (step.kind) {
      case 'op':
        yield {op: step.op, intendedUs: null}
        break
      case 'repeat':
        // A body that yields nothing would spin `times` iterations inside one next().
        if (countOps(step.body) === 0) break
        for (let i = 0; i < step.times; i++) yield* run(step.body, ctx)
        break
      case 'mix':
        yield* mix(step, ctx)
        break
    }
  }
}

function* mix(step: MixStep, ctx: Context): Generator<ScheduledOp, void, void> {
  let drawer = ctx.drawers.get(step)
  if (drawer === undefined) {
    drawer = mixDrawer(step, ctx.workload.files)
    ctx.drawers.set(step, drawer)
  }
  const start = ctx.elapsedUs
  const end = step.durationUs === null ? Number.POSITIVE_INFINITY : start + step.durationUs
  for (let k = 0; step.ops === null || k < step.ops; k++) {
    // Open loop: op k is due at a fixed time whatever happened to ops 0..k-1.
    const intendedUs = step.rate === null ? null : start + (k * 1e6) / step.rate
    // A duration mix ends on the clock, or when the next op would be due after the end.
    if (ctx.elapsedUs >= end || (intendedUs !== null && intendedUs >= end)) return
    yield {op: drawer.next(ctx.rng), intendedUs}
  }
}
