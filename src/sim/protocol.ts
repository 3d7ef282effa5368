// The protocol the simulator runs: the real node core and manager model, or a broken variant
// (`--break`), passed through to both as `breakVariant` (each acts on the side it concerns).
import {BREAK_VARIANTS, type BreakVariant} from '../protocol/break.js'
import {createManager, decide, purge, type Decision, type ManagerModel, type PurgeDecision} from '../protocol/manager.js'
import {NodeCore, type NodeCoreConfig} from '../protocol/node-core.js'
import type {ManagerRequest} from '../protocol/types.js'

export interface Protocol {
  readonly variant: BreakVariant | null
  newCore(config: NodeCoreConfig): NodeCore
  newManager(): ManagerModel
  decide(m: ManagerModel, req: ManagerRequest): Decision
  /** Removes a dead node from one unit (node kills): the manager's purge, or a test's broken one. */
  purge(m: ManagerModel, node: number, unit: string): PurgeDecision
}

export const CORRECT: Protocol = {
  variant: null,
  newCore: (config) => new NodeCore(config),
  newManager: () => createManager(),
  decide,
  purge,
}

/**
 * Variants the model runs. A variant whose core keeps extra state must have it copied by
 * NodeCore.clone and named by NodeCore.stateKey (test/sim/model.test.ts checks copies are faithful).
 */
export const MODEL_VARIANTS: readonly BreakVariant[] = Object.keys(BREAK_VARIANTS) as BreakVariant[]

export class UnsupportedVariant extends Error {
  override readonly name = 'UnsupportedVariant'
}

export function protocolFor(variant: BreakVariant | null): Protocol {
  if (variant === null) return CORRECT
  if (!MODEL_VARIANTS.includes(variant)) throw new UnsupportedVariant(`--break ${variant} is not available in the model (available: ${MODEL_VARIANTS.join(', ')})`)
  return {
    variant,
    newCore: (config) => new NodeCore({...config, breakVariant: variant}),
    newManager: () => createManager({breakVariant: variant}),
    decide,
    purge,
  }
}
