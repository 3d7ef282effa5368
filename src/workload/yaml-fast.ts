// A fast reader for the plain subset of YAML that workload files are written in (issue 13: the
// `yaml` library spends ~25 µs and ~1.7 KB per flow-map step, so a 1 MiB list of steps cost
// seconds and ~170 MB). Block maps and sequences indented with spaces, one-line flow maps and
// lists (JSON's `{"key":value}` too), plain scalars of the core schema (null, booleans, decimal
// numbers, strings) and quoted strings without escapes, comments. It builds the same nodes
// (`Scalar`, `YAMLMap`, `YAMLSeq`, with their source ranges) as `parseDocument`, so the reader
// and its messages are the same.
// Anything else (anchors, tags, block scalars, multi-line values, duplicate keys, a syntax
// error...) returns null: the full parser then reads the file and says what is wrong.
import {Pair, Scalar, YAMLMap, YAMLSeq, type ParsedNode} from 'yaml'

/** One line with content: where its content starts (absolute offset), its indent, where it ends (before `\n`). */
interface Line {
  indent: number
  pos: number
  readonly end: number
}

/** Thrown inside the fast reader when the text leaves the subset; never escapes parseFast. */
class NotPlain extends Error {}

const bail = (): never => {
  throw new NotPlain()
}

export interface FastParse {
  readonly root: ParsedNode
  /** Offsets where lines start (for LineCounter). */
  readonly lineStarts: readonly number[]
}

export function parseFast(text: string): FastParse | null {
  if (text.includes('\r') || text.includes('\t')) return null
  try {
    return new FastReader(text).read()
  } catch (error) {
    if (error instanceof NotPlain) return null
    throw error
  }
}

const INT = /^[-+]?[0-9]+$/
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/
const NULLS = new Set(['~', 'null', 'Null', 'NULL'])
const BOOLS = new Map([['true', true], ['True', true], ['TRUE', true], ['false', false], ['False', false], ['FALSE', false]])
/** Characters a plain scalar may not start with (YAML indicators), besides a sign of a number. */
const INDICATORS = new Set([...'-?:,[]{}#&*!|>\'"%@`'])

class FastReader {
  private readonly lines: Line[] = []
  private readonly lineStarts: number[] = []
  private i = 0

  constructor(private readonly text: string) {
    let start = 0
    while (start <= text.length) {
      let end = text.indexOf('\n', start)
      if (end < 0) end = text.length
      this.lineStarts.push(start)
      let pos = start
      while (pos < end && text.charCodeAt(pos) === 32) pos++
      if (pos < end && text[pos] !== '#') this.lines.push({indent: pos - start, pos, end})
      if (end === text.length) break
      start = end + 1
    }
  }

  read(): FastParse {
    if (this.lines.length === 0) bail()
    const first = this.lines[0]!
    if (this.text.startsWith('---', first.pos) || this.text.startsWith('%', first.pos)) bail()
    const root = this.block(first.indent)
    if (this.i < this.lines.length) bail()
    return {root, lineStarts: this.lineStarts}
  }

  /** The block node starting at the current line (a list, a map, or a value on its own line). */
  private block(indent: number): ParsedNode {
    const line = this.lines[this.i] ?? bail()
    if (line.indent !== indent) bail()
    if (this.isItem(line)) return this.seq(indent) as unknown as ParsedNode
    if (this.keyEnd(line) !== null) return this.map(indent) as unknown as ParsedNode
    const value = this.inline(line.pos, line.end, 'block')
    this.i++
    return value
  }

  private isItem(line: Line): boolean {
    return this.text[line.pos] === '-' && (line.pos + 1 === line.end || this.text[line.pos + 1] === ' ')
  }

  private seq(indent: number): YAMLSeq<ParsedNode> {
    const seq = new YAMLSeq<ParsedNode>()
    const start = this.lines[this.i]!.pos
    let end = start
    for (let line = this.lines[this.i]; line !== undefined && line.indent === indent && this.isItem(line); line = this.lines[this.i]) {
      let pos = line.pos + 1
      while (pos < line.end && this.text.charCodeAt(pos) === 32) pos++
      if (pos === line.end || this.text[pos] === '#') bail() // `-` alone: the item is on the next lines (not in the subset)
      // `- key: value` or `- - x`: a compact map or list starting at this column, on this line.
      const col = indent + (pos - line.pos)
      const compact = {indent: col, pos, end: line.end}
      if (this.isItem(compact) || this.keyEnd(compact) !== null) {
        this.lines[this.i] = compact
        seq.items.push(this.block(col))
      } else {
        seq.items.push(this.inline(pos, line.end, 'block'))
        this.i++
      }
      end = seq.items.at(-1)!.range![1]
      this.checkDeeper(indent)
    }
    seq.range = [start, end, end]
    return seq
  }

  private map(indent: number): YAMLMap<ParsedNode, ParsedNode> {
    const map = new YAMLMap<ParsedNode, ParsedNode>()
    const keys = new Set<unknown>()
    const start = this.lines[this.i]!.pos
    let end = start
    for (let line = this.lines[this.i]; line !== undefined && line.indent === indent && !this.isItem(line); line = this.lines[this.i]) {
      const colon = this.keyEnd(line) ?? bail()
      const key = this.scalar(line.pos, colon, 'block')
      if (keys.has(key.value)) bail() // a duplicate key: the full parser reports it
      keys.add(key.value)
      let pos = colon + 1
      while (pos < line.end && this.text.charCodeAt(pos) === 32) pos++
      let value: ParsedNode
      if (pos === line.end || this.text[pos] === '#') {
        // The value is on the next lines: more indented, or a list at the key's own indent.
        this.i++
        const next = this.lines[this.i] ?? bail()
        if (next.indent > indent) value = this.block(next.indent)
        else if (next.indent === indent && this.isItem(next)) value = this.seq(indent) as unknown as ParsedNode
        else return bail() // `key:` with nothing: a null the full parser places
      } else {
        value = this.inline(pos, line.end, 'block')
        this.i++
      }
      map.items.push(new Pair(key, value))
      end = value.range![1]
      this.checkDeeper(indent)
    }
    map.range = [start, end, end]
    return map
  }

  /** After an entry: a line more indented than the block that no entry took (a multi-line value) is not in the subset. */
  private checkDeeper(indent: number): void {
    const next = this.lines[this.i]
    if (next !== undefined && next.indent > indent) bail()
  }

  /** The offset of the `:` that ends a block map key on this line (`key: ` or `key:` at the end), or null. */
  private keyEnd(line: Line): number | null {
    const c = this.text[line.pos]!
    if (c === '{' || c === '[' || c === '#') return null
    const quoted = c === '"' || c === "'"
    const from = quoted ? this.text.indexOf(c, line.pos + 1) + 1 : line.pos
    if (quoted && (from === 0 || from > line.end)) return null
    for (let p = from; p < line.end; p++) {
      const ch = this.text[p]
      if (ch === '#' && this.text[p - 1] === ' ') return null
      if (ch === ':' && (p + 1 === line.end || this.text[p + 1] === ' ')) return p
      if (quoted) return null
    }
    return null
  }

  /** A value on one line from `pos`: a flow map or list, or a scalar; the rest of the line must be blank or a comment. */
  private inline(pos: number, end: number, context: 'block' | 'flow'): ParsedNode {
    const {node, next} = this.value(pos, end, context)
    this.rest(next, end)
    return node
  }

  private rest(pos: number, end: number): void {
    while (pos < end && this.text.charCodeAt(pos) === 32) pos++
    if (pos < end && !(this.text[pos] === '#' && this.text[pos - 1] === ' ')) bail()
  }

  private value(pos: number, end: number, context: 'block' | 'flow'): {node: ParsedNode; next: number} {
    const c = this.text[pos]
    if (c === '{' || c === '[') return this.flow(pos, end)
    const stop = context === 'block' ? this.blockScalarEnd(pos, end) : this.flowScalarEnd(pos, end)
    return {node: this.scalar(pos, stop, context), next: stop}
  }

  /** A flow map `{k: v, ...}` or list `[a, b]` that ends on this line. */
  private flow(pos: number, end: number): {node: ParsedNode; next: number} {
    const isMap = this.text[pos] === '{'
    const close = isMap ? '}' : ']'
    const node = isMap ? new YAMLMap<ParsedNode, ParsedNode>() : new YAMLSeq<ParsedNode>()
    const keys = new Set<unknown>()
    let p = this.skip(pos + 1, end)
    while (this.text[p] !== close) {
      if (p >= end) bail()
      if (isMap) {
        const colon = this.flowScalarEnd(p, end)
        // After a quoted (JSON-like) key the value may follow the `:` at once, as in JSON: the run
        // meta stores the workload as JSON, and every node reads it (issue 12: the full parser cost
        // each node ~15-20 ms of CPU at start-up).
        const quotedKey = this.text[p] === '"' || this.text[p] === "'"
        if (this.text[colon] !== ':' || (this.text[colon + 1] !== ' ' && !quotedKey)) bail()
        const key = this.scalar(p, colon, 'flow')
        if (keys.has(key.value)) bail()
        keys.add(key.value)
        const v = this.value(this.skip(colon + 1, end), end, 'flow')
        ;(node as YAMLMap<ParsedNode, ParsedNode>).items.push(new Pair(key, v.node))
        p = v.next
      } else {
        const v = this.value(p, end, 'flow')
        ;(node as YAMLSeq<ParsedNode>).items.push(v.node)
        p = v.next
      }
      p = this.skip(p, end)
      if (this.text[p] === ',') p = this.skip(p + 1, end)
      else if (this.text[p] !== close) bail()
    }
    node.range = [pos, p + 1, p + 1]
    return {node: node as unknown as ParsedNode, next: p + 1}
  }

  private skip(pos: number, end: number): number {
    while (pos < end && this.text.charCodeAt(pos) === 32) pos++
    return pos
  }

  /** Where a plain or quoted scalar in block context ends: before ` #` or the line's end (trailing spaces excluded). */
  private blockScalarEnd(pos: number, end: number): number {
    const quote = this.text[pos]
    if (quote === '"' || quote === "'") return this.quotedEnd(pos, end)
    let stop = end
    const hash = this.text.indexOf(' #', pos)
    if (hash >= 0 && hash < end) stop = hash
    while (stop > pos && this.text.charCodeAt(stop - 1) === 32) stop--
    return stop
  }

  /** Where a scalar in a flow collection ends: at `,`, `]`, `}` or `: ` (trailing spaces excluded). */
  private flowScalarEnd(pos: number, end: number): number {
    const quote = this.text[pos]
    if (quote === '"' || quote === "'") return this.quotedEnd(pos, end)
    let p = pos
    while (p < end) {
      const c = this.text[p]
      if (c === ',' || c === ']' || c === '}' || (c === ':' && this.text[p + 1] === ' ') || (c === '#' && this.text[p - 1] === ' ')) break
      p++
    }
    while (p > pos && this.text.charCodeAt(p - 1) === 32) p--
    return p
  }

  private quotedEnd(pos: number, end: number): number {
    const close = this.text.indexOf(this.text[pos]!, pos + 1)
    if (close < 0 || close >= end) bail()
    return close + 1
  }

  /** The scalar `text[from, to)` resolved as the core schema does (anything doubtful leaves the subset). */
  private scalar(from: number, to: number, context: 'block' | 'flow'): Scalar.Parsed {
    const raw = this.text.slice(from, to)
    if (raw.length === 0 || raw.trim() !== raw) bail()
    const node = new Scalar<unknown>(resolve(raw, context)) as Scalar.Parsed
    node.range = [from, to, to]
    return node
  }
}

function resolve(raw: string, context: 'block' | 'flow'): unknown {
  const q = raw[0]
  if (q === '"' || q === "'") {
    const inner = raw.slice(1, -1)
    if (q === '"' && inner.includes('\\')) bail() // escapes: the full parser
    return inner
  }
  if (NULLS.has(raw)) return null
  const bool = BOOLS.get(raw)
  if (bool !== undefined) return bool
  if (INT.test(raw)) return Number(raw)
  if (FLOAT.test(raw)) return Number.parseFloat(raw)
  // Other numbers of the core schema (hex, octal, .inf, .nan) and indicator-led text: the full parser.
  if (INDICATORS.has(raw[0]!) || /^0[xo]/i.test(raw) || /^[-+]?\./.test(raw)) bail()
  // A plain string: no `: ` or ` #` inside (they would end it), none of the flow indicators inside a flow collection.
  if (raw.includes(': ') || raw.endsWith(':') || raw.includes(' #')) bail()
  if (context === 'flow' && /[[\]{},]/.test(raw)) bail()
  return raw
}
