// JSONL history files: one entry per line. Blank lines are allowed (and skipped) so that
// hand-written files may be spaced out; every other line must be a valid entry or a
// nemesis entry.
import {HistoryFormatError} from './errors.js'
import type {ParsedHistory, RegisterHistoryEntry} from './types.js'
import {inexactNumber} from './exact-numbers.js'

function isScalar(v: unknown): boolean {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'
}

// Plain comparisons rather than Set lookups: this runs for every one of millions of entries.
function isType(t: unknown): boolean {
  return t === 'invoke' || t === 'ok' || t === 'fail' || t === 'info'
}

function isFn(f: unknown): boolean {
  return f === 'read' || f === 'write' || f === 'cas'
}

/**
 * Jepsen histories interleave fault-injection entries (`"process": "nemesis"`, with `f`s of
 * their own); like Knossos, the checker ignores them.
 */
export function isNemesis(obj: unknown): boolean {
  return typeof obj === 'object' && obj !== null && (obj as {process?: unknown}).process === 'nemesis'
}

/** Why `obj` is not a history entry, or null when it is one. Pairing is checked later. */
export function entryProblem(obj: unknown): string | null {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return 'expected a JSON object'
  const e = obj as Record<string, unknown>
  if (e.process === undefined || e.process === null) return 'missing field "process"'
  if (typeof e.process !== 'string' && typeof e.process !== 'number') return '"process" must be a string or a number'
  if (e.type === undefined) return 'missing field "type"'
  if (!isType(e.type)) return `"type" must be invoke, ok, fail or info (got ${JSON.stringify(e.type)})`
  if (e.f === undefined) return 'missing field "f"'
  if (!isFn(e.f)) return `"f" must be read, write or cas (got ${JSON.stringify(e.f)})`
  if (e.key !== undefined && e.key !== null && typeof e.key !== 'string' && typeof e.key !== 'number') {
    return '"key" must be a string or a number'
  }
  if (e.time !== undefined && typeof e.time !== 'number') return '"time" must be a number'
  if (e.index !== undefined && typeof e.index !== 'number') return '"index" must be a number'
  const v = e.value
  if (e.f === 'cas') {
    const pair = Array.isArray(v) && v.length === 2 && isScalar(v[0]) && isScalar(v[1])
    // A completion may repeat the pair or leave it out; the invoke must carry it.
    if (e.type === 'invoke' ? !pair : v !== undefined && v !== null && !pair) {
      return 'a cas needs "value": [expected, new] with scalar values'
    }
  } else if (v !== undefined && !isScalar(v)) {
    return '"value" must be a string, a number, a boolean or null'
  } else if (v === undefined && e.f === 'write' && e.type === 'invoke') {
    return 'missing field "value" (the value written)'
  } else if (v === undefined && e.f === 'read' && e.type === 'ok') {
    return 'missing field "value" (the value read)'
  }
  return null
}

/** Bytes decoded at a time: keeps each string well under V8's ~512 MiB string limit. */
const CHUNK_BYTES = 1 << 24

/**
 * Parses a JSONL history (text, or the raw UTF-8 bytes of a file, which may exceed the
 * size of the largest possible string). Throws `HistoryFormatError` (with the line
 * number) on the first line that is not a well-formed entry; invoke/completion pairing
 * is checked by the checker.
 */
export function parseHistoryJsonl(input: string | Uint8Array, source = '<history>', options: {chunkBytes?: number} = {}): ParsedHistory {
  const chunkBytes = options.chunkBytes ?? CHUNK_BYTES
  const entries: RegisterHistoryEntry[] = []
  const lines: number[] = []
  if (typeof input === 'string') {
    parseLines(input, 0, source, entries, lines)
  } else {
    const decoder = new TextDecoder('utf-8', {fatal: true})
    let lineNo = 0
    for (let at = 0; at < input.length; ) {
      let end = Math.min(at + chunkBytes, input.length)
      // Cut after a newline: a UTF-8 multi-byte sequence never contains byte 0x0a.
      if (end < input.length) {
        const nl = input.lastIndexOf(0x0a, end - 1)
        end = nl >= at ? nl + 1 : (input.indexOf(0x0a, end) + 1 || input.length)
      }
      let text: string
      try {
        text = decoder.decode(input.subarray(at, end))
      } catch {
        throw new HistoryFormatError(source, lineNo + 1, 'the file is not valid UTF-8')
      }
      lineNo = parseLines(text, lineNo, source, entries, lines)
      at = end
    }
  }
  return {source, entries, lines: Int32Array.from(lines)}
}

/** Parses the lines of `text`, numbered from `lineNo + 1`; returns the last line number. */
function parseLines(text: string, lineNo: number, source: string, entries: RegisterHistoryEntry[], lines: number[]): number {
  let start = 0
  while (start < text.length) {
    let end = text.indexOf('\n', start)
    if (end === -1) end = text.length
    lineNo++
    const line = text.slice(start, end)
    start = end + 1
    if (isBlank(line)) continue
    let obj: unknown
    try {
      obj = JSON.parse(line)
    } catch (error) {
      throw new HistoryFormatError(source, lineNo, `invalid JSON: ${(error as Error).message}`)
    }
    if (isNemesis(obj)) continue
    const problem = entryProblem(obj)
    if (problem !== null) throw new HistoryFormatError(source, lineNo, problem)
    if (hasComparedNumber(obj as RegisterHistoryEntry)) {
      const inexact = inexactNumber(line)
      if (inexact !== null) throw new HistoryFormatError(source, lineNo, inexact)
    }
    entries.push(obj as RegisterHistoryEntry)
    lines.push(lineNo)
  }
  return lineNo
}

function hasComparedNumber(e: RegisterHistoryEntry): boolean {
  const v = e.value as unknown
  return typeof v === 'number' || typeof e.process === 'number' || typeof e.key === 'number' || (Array.isArray(v) && (typeof v[0] === 'number' || typeof v[1] === 'number'))
}

function isBlank(line: string): boolean {
  // Entries start with `{`: only a line that does not needs the slower trim test.
  return line.charCodeAt(0) !== 0x7b && line.trim() === ''
}
