// How a broken invariant leaves a step of the simulator: a typed error the searches catch (and
// nothing recognises by its text).
import type {Violation, ViolationKind} from './types.js'

/** Thrown inside `SimState.apply`: the state is broken, the search stops here. */
export class ViolationError extends Error {
  override readonly name = 'ViolationError'
  /** What the breaking step was doing (when the state describes its steps). */
  said = ''
  constructor(readonly violation: Violation) {
    super(violation.message)
  }
}

export function violated(kind: ViolationKind, message: string): never {
  throw new ViolationError({kind, message})
}

/** The simulator itself was driven wrongly (an action that is not enabled, a bad trace step): a bug here, not in the protocol. */
export class SimulatorError extends Error {
  override readonly name = 'SimulatorError'
}

export function simCheck(ok: boolean, message: string): asserts ok {
  if (!ok) throw new SimulatorError(`simulator: ${message}`)
}
