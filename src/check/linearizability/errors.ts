import {UsageError} from '../../protocol/errors.js'
/**
 * A history that cannot be checked: bad JSON, a missing or ill-typed field, or entries
 * that do not pair up. `message` is the one-liner `SOURCE:LINE: detail`.
 */
export class HistoryFormatError extends UsageError {
  override readonly name: string = 'HistoryFormatError'

  constructor(
    readonly source: string,
    /** 1-based line in the file (entry number for an in-memory history). */
    readonly line: number,
    readonly detail: string,
  ) {
    super(`${source}:${line}: ${detail}`)
  }
}
