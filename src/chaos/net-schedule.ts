// A workload's network and clock faults (issue 14) as chaos requests, the same the `cmm chaos`
// commands send, so the supervisor applies and logs them one way.
import type {ChaosStep, NetTarget} from '../workload/types.js'
import type {ChaosRequest} from './requests.js'

export type NetStep = Extract<ChaosStep, {partition: unknown} | {delay: unknown} | {skew: unknown}>

export function isNetStep(step: ChaosStep): step is NetStep {
  return 'partition' in step || 'delay' in step || 'skew' in step
}

export function netTargetOf(step: NetStep): NetTarget {
  return 'partition' in step ? step.partition : 'delay' in step ? step.delay : step.skew
}

/** The request for `node` (-1: every node). */
export function netRequestOf(step: NetStep, node: number, from: string): ChaosRequest {
  const base = {node, restartAfterMs: null, from, forMs: step.forMs}
  if ('partition' in step) return {...base, signal: 'PARTITION', direction: step.direction}
  if ('delay' in step) return {...base, signal: 'DELAY', delayMs: step.byMs, jitterMs: step.jitterMs}
  return {...base, signal: 'SKEW', offsetMs: step.byMs, rate: step.rate}
}
