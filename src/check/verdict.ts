// Verdicts of the checkers that judge a run, Jepsen style: valid true / false / unknown.
import {EXIT} from '../records/exit-codes.js'

export type Validity = true | false | 'unknown'

export interface CheckResult {
  readonly valid: Validity
  /** One line a person reads in the summary. */
  readonly summary: string
  readonly counts: Readonly<Record<string, number>>
  /** The first few violations, with the operations involved. */
  readonly violations: readonly unknown[]
}

export interface ChecksReport {
  readonly valid: Validity
  readonly checks: Readonly<Record<string, CheckResult>>
}

/** Invalid beats unknown beats valid. */
export function combine(checks: Record<string, CheckResult>): ChecksReport {
  const all = Object.values(checks).map((c) => c.valid)
  const valid: Validity = all.includes(false) ? false : all.includes('unknown') ? 'unknown' : true
  return {valid, checks}
}

/** Exit status of a verdict (records/exit-codes.ts). */
export function exitCodeFor(valid: Validity): number {
  return valid === true ? EXIT.ok : valid === false ? EXIT.invalid : EXIT.unknown
}

export function validityWord(valid: Validity): string {
  return valid === true ? 'valid' : valid === false ? 'INVALID' : 'unknown'
}
