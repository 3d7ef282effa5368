// Every problem with a workload (its YAML, its meaning, or a CLI override that contradicts it)
// is a WorkloadError, so the CLI can print one line that an editor can jump to.
import {UsageError} from '../protocol/errors.js'

export class WorkloadError extends UsageError {
  override readonly name: string = 'WorkloadError'

  /**
   * `line`/`column` are 1-based. They are 0 when the problem has no place in the file
   * (the file cannot be read, or a flag value is invalid on its own); the message then
   * reads `SOURCE: detail` instead of `SOURCE:LINE:COL: detail`.
   */
  constructor(
    readonly source: string,
    readonly line: number,
    readonly column: number,
    /** The message without the location prefix: `expected ..., found ...`. */
    readonly detail: string,
  ) {
    super(line > 0 ? `${source}:${line}:${column}: ${detail}` : `${source}: ${detail}`)
  }
}

/** A 1-based place in a workload file. */
export interface Position {
  readonly line: number
  readonly column: number
}

export function errorAt(source: string, at: Position, detail: string): WorkloadError {
  return new WorkloadError(source, at.line, at.column, detail)
}
