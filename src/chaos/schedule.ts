// Scheduled faults (the workload's `chaos:` list, or --chaos): each step becomes a chaos request
// on the run's chaos stream at its time, exactly as `cmm chaos kill-node` would send it, so
// every fault goes through the supervisor and lands in events.jsonl the same way.
import type {Redis} from 'ioredis'
import type {EventLog} from '../results/events.js'
import {FAILOVER_REDIS, RESTART_REDIS, sendChaos} from './requests.js'
import {RedisLockManager} from '../redis/lock-manager.js'
import type {UnitState} from '../protocol/manager.js'
import {parsePageKey, unitOf, type Granularity} from '../protocol/types.js'
import type {ChaosStep, ChaosTarget, FaultPoint} from '../workload/types.js'

/** Upper bound of faults one schedule injects (an `every` step repeats until the run ends). */
const MAX_FAULTS = 10_000

/** Fault points are given up after this long without the state showing up. */
const FAULT_POINT_WAIT_MS = 10_000
const FAULT_POINT_POLL_MS = 2

export interface ScheduleContext {
  readonly redis: Redis
  readonly runId: string
  readonly nodes: number
  readonly granularity: Granularity
  readonly events: EventLog
}

/** The process at the fault point, or null. */
export function processAt(state: UnitState, when: FaultPoint): number | null {
  switch (when) {
    case 'dirty':
      return state.holders.find((h) => h.mode === 'EX')?.node ?? null
    case 'writing-back':
      return state.holders.find((h) => h.callback !== 'none')?.node ?? null
    case 'upgrading':
      return state.upgrading
    case 'waiting':
      return state.queue[0]?.node ?? null
  }
}

async function killAtFaultPoint(ctx: ScheduleContext, step: Extract<ChaosStep, {killAt: unknown}>, stopped: () => boolean): Promise<void> {
  const lm = new RedisLockManager(ctx.redis, ctx.runId)
  const unit = unitOf(parsePageKey(step.killAt.page), ctx.granularity)
  const deadline = Date.now() + FAULT_POINT_WAIT_MS
  while (!stopped() && Date.now() < deadline) {
    const proc = processAt(await lm.unitState(unit), step.killAt.when)
    if (proc !== null) {
      await sendChaos(ctx.redis, ctx.runId, {node: proc % ctx.nodes, signal: 'KILL', restartAfterMs: step.restartMs, from: `schedule: ${step.killAt.when} on ${unit} (process ${proc})`})
      return
    }
    await new Promise((r) => setTimeout(r, FAULT_POINT_POLL_MS))
  }
  if (!stopped()) ctx.events.write('chaos-missed', {unit, when: step.killAt.when, waitedMs: FAULT_POINT_WAIT_MS})
}

export function runSchedule(steps: readonly ChaosStep[], ctx: ScheduleContext): {stop(): void} {
  const timers = new Set<NodeJS.Timeout>()
  let stopped = false
  let fired = 0
  const pick = (t: ChaosTarget) => (t === 'random' ? Math.floor(Math.random() * ctx.nodes) : t)
  const fire = (step: ChaosStep) => {
    if (stopped || ++fired > MAX_FAULTS) return
    const from = 'schedule'
    const send = 'killAt' in step
      ? killAtFaultPoint(ctx, step, () => stopped)
      : 'kill' in step
      ? sendChaos(ctx.redis, ctx.runId, {node: pick(step.kill), signal: 'KILL', restartAfterMs: step.restartMs, from})
      : 'pause' in step
        ? sendChaos(ctx.redis, ctx.runId, {node: pick(step.pause), signal: 'STOP', restartAfterMs: null, resumeAfterMs: step.forMs, from})
        : sendChaos(ctx.redis, ctx.runId, {node: -1, signal: 'failoverRedis' in step ? FAILOVER_REDIS : RESTART_REDIS, restartAfterMs: null, from})
    send.catch((error: Error) => ctx.events.write('chaos-error', {message: error.message}))
    if (step.everyMs !== null) at(step.everyMs, () => fire(step))
  }
  const at = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t)
      fn()
    }, ms)
    timers.add(t)
  }
  for (const step of steps) {
    if (step.atMs < 0 || (step.everyMs !== null && step.everyMs < 10)) throw new Error(`chaos step: bad times ${JSON.stringify(step)}`)
    const target = 'kill' in step ? step.kill : 'pause' in step ? step.pause : 'random'
    if ('killAt' in step) parsePageKey(step.killAt.page)
    if (target !== 'random' && (!Number.isInteger(target) || target < 0 || target >= ctx.nodes)) throw new Error(`chaos step: no node ${target} (nodes 0..${ctx.nodes - 1})`)
    at(step.atMs, () => fire(step))
  }
  return {
    stop() {
      stopped = true
      for (const t of timers) clearTimeout(t)
      timers.clear()
    },
  }
}
