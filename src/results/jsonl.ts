// JSON-lines files read and written a bounded piece at a time: a run's records go to disk as
// they arrive and are read back line by line, so no step holds a whole file (issue 13: the
// orchestrator's memory must not grow with the run's length).
import {closeSync, existsSync, mkdirSync, openSync, readSync, writeSync} from 'node:fs'
import {dirname} from 'node:path'
import {StringDecoder} from 'node:string_decoder'

const CHUNK = 1 << 16

/** The lines of a file, in order, without their `\n` (a last line without one included). */
export function* fileLines(path: string): Generator<string> {
  const fd = openSync(path, 'r')
  try {
    const buffer = Buffer.alloc(CHUNK)
    // Keeps a multi-byte character cut at a chunk's end for the next chunk.
    const decoder = new StringDecoder('utf8')
    let rest = ''
    for (;;) {
      const n = readSync(fd, buffer, 0, CHUNK, null)
      if (n === 0) break
      const lines = (rest + decoder.write(buffer.subarray(0, n))).split('\n')
      rest = lines.pop()!
      yield* lines
    }
    rest += decoder.end()
    if (rest.length > 0) yield rest
  } finally {
    closeSync(fd)
  }
}

/** How a reader treats a bad line (`line`: its 1-based number): a line that is not JSON, and `check` on every parsed row. */
export interface RowRules {
  readonly notJson?: (line: number, error: Error) => never
  readonly check?: (value: unknown, line: number) => void
}

/** Each non-empty line parsed. */
export function* jsonlRows<T>(path: string, rules: RowRules = {}): Generator<T> {
  let line = 0
  for (const text of fileLines(path)) {
    line++
    if (text.trim().length === 0) continue
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (error) {
      if (rules.notJson) rules.notJson(line, error as Error)
      throw new Error(`${path}:${line}: not JSON: ${(error as Error).message}`)
    }
    rules.check?.(value, line)
    yield value as T
  }
}

/** Appends rows to a JSON-lines file through a bounded buffer; the folder is made on the first write. */
export class JsonlWriter {
  private fd: number | null = null
  private buffer = ''
  rows = 0

  constructor(readonly path: string, private readonly mode: 'a' | 'w' = 'w') {}

  write(row: unknown): void {
    this.buffer += JSON.stringify(row) + '\n'
    this.rows++
    if (this.buffer.length >= CHUNK) this.flush()
  }

  writeAll(rows: Iterable<unknown>): void {
    for (const row of rows) this.write(row)
  }

  flush(): void {
    if (this.buffer.length === 0 && this.fd !== null) return
    if (this.fd === null) {
      if (!existsSync(dirname(this.path))) mkdirSync(dirname(this.path), {recursive: true})
      this.fd = openSync(this.path, this.mode)
    }
    writeSync(this.fd, this.buffer)
    this.buffer = ''
  }

  /** Flushes and closes; the file exists afterwards even when no row was written. */
  close(): void {
    this.flush()
    if (this.fd !== null) closeSync(this.fd)
    this.fd = null
  }
}

/**
 * Rows of several files, each already in time order, merged into one time order (a k-way
 * merge: one row per file in memory). Ties keep the order of `sources`.
 */
export function* mergeByTime<T extends {readonly time: number}>(sources: readonly Iterable<T>[]): Generator<T> {
  const its = sources.map((s) => s[Symbol.iterator]())
  const heads: (T | null)[] = its.map((it) => next(it))
  for (;;) {
    let best = -1
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i]
      if (h !== null && h !== undefined && (best < 0 || h.time < heads[best]!.time)) best = i
    }
    if (best < 0) return
    yield heads[best]!
    heads[best] = next(its[best]!)
  }
}

function next<T>(it: Iterator<T>): T | null {
  const r = it.next()
  return r.done === true ? null : r.value
}
