// One-line renderings of ops for human-readable reports.
import type {RegisterKey, RegisterOp, Scalar} from './types.js'

export function formatValue(v: Scalar): string {
  return JSON.stringify(v)
}

export function formatKey(key: RegisterKey): string {
  return key === null ? '(the register)' : JSON.stringify(key)
}

/** e.g. `process 2 read "n1:4" (lines 7-9)`, `process 1 cas 1 -> 2 (line 3, no completion)`. */
export function formatOp(op: RegisterOp): string {
  const what = Array.isArray(op.value)
    ? `${formatValue(op.value[0] as Scalar)} -> ${formatValue(op.value[1] as Scalar)}`
    : formatValue(op.value as Scalar)
  const where =
    op.completeLine === null
      ? `line ${op.invokeLine}, no completion`
      : `lines ${op.invokeLine}-${op.completeLine}${op.outcome === 'info' ? ', info' : ''}`
  return `process ${JSON.stringify(op.process)} ${op.f} ${what} (${where})`
}
