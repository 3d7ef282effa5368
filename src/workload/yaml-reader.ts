// Reads a parsed YAML document node by node, keeping every value's source offset so that any
// complaint can name FILE:LINE:COL. Knows YAML, not workloads: the meaning lives in parse*.ts.
import {Document, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, type ParsedNode, parseDocument} from 'yaml'
import {errorAt, type Position, WorkloadError} from './errors.js'
import {closest} from './values.js'
import {parseFast} from './yaml-fast.js'

/** A YAML value and where it is. `node` is null for a missing value (`? key` without `:`). */
export interface Val {
  readonly node: ParsedNode | null
  readonly offset: number
}

/** One `key: value` of a map whose keys are plain scalars. */
export interface Field {
  readonly key: string
  readonly keyOffset: number
  readonly value: Val
}

/** The fields of a map, in source order, plus the map itself for "missing key" messages. */
export interface Fields<K extends string> {
  readonly at: Val
  readonly list: readonly (Field & {readonly key: K})[]
  get(key: K): Val | undefined
}

const FOUND_MAX = 40
/** Total alias expansions allowed: bounds the work of "billion laughs" style documents. */
const ALIAS_BUDGET = 1000

export class YamlReader {
  private aliasBudget = ALIAS_BUDGET

  private constructor(
    readonly source: string,
    private readonly text: string,
    private readonly lines: LineCounter,
    /** null when the fast reader read the text (it makes no aliases to resolve). */
    private readonly doc: Document.Parsed | null,
  ) {}

  /**
   * Parses `text`; YAML syntax errors and warnings (unknown tags...) are WorkloadErrors. The
   * plain subset workloads are written in is read by yaml-fast.ts (the same nodes, ~20x
   * cheaper); anything else by the `yaml` library.
   */
  static parse(text: string, source: string): {reader: YamlReader; root: Val} {
    const fast = parseFast(text)
    if (fast !== null) {
      const counter = new LineCounter()
      for (const start of fast.lineStarts) counter.addNewLine(start)
      const reader = new YamlReader(source, text, counter, null)
      return {reader, root: reader.val(fast.root, 0)}
    }
    const lines = new LineCounter()
    const doc = parseDocument(text, {lineCounter: lines, prettyErrors: false, uniqueKeys: true})
    const reader = new YamlReader(source, text, lines, doc)
    // Warnings too: an unresolved tag silently turns a value into a string.
    const problem = doc.errors[0] ?? doc.warnings[0]
    if (problem !== undefined) {
      const what = problem.message.split('\n')[0] ?? problem.code
      throw reader.error(problem.pos[0], `expected valid YAML, found a syntax error: ${what}`)
    }
    return {reader, root: reader.val(doc.contents, 0)}
  }

  position(offset: number): Position {
    const {line, col} = this.lines.linePos(Math.min(offset, this.text.length))
    return {line: Math.max(line, 1), column: col}
  }

  error(offset: number, detail: string): WorkloadError {
    return errorAt(this.source, this.position(offset), detail)
  }

  /** Throws `expected <expected>, found <what v is>`. */
  fail(v: Val, expected: string, found: string = this.describe(v)): never {
    throw this.error(v.offset, `expected ${expected}, found ${found}`)
  }

  /** Wraps a child node, following aliases (errors inside then point at the anchored value). */
  val(node: unknown, fallbackOffset: number): Val {
    if (isAlias(node)) {
      const target = this.aliasBudget-- > 0 && this.doc !== null ? node.resolve(this.doc) : undefined
      const offset = node.range?.[0] ?? fallbackOffset
      if (target === undefined) {
        const why = this.aliasBudget < 0 ? 'too many alias expansions' : `no anchor &${node.source} before it`
        throw this.error(offset, `expected an alias to a defined anchor, found *${node.source} (${why})`)
      }
      return this.val(target, offset)
    }
    if (isScalar(node) || isMap(node) || isSeq(node)) {
      return {node: node as ParsedNode, offset: node.range?.[0] ?? fallbackOffset}
    }
    return {node: null, offset: fallbackOffset}
  }

  /** What a value looks like in the file, for `found ...`. */
  describe(v: Val): string {
    const n = v.node
    if (n === null) return 'nothing'
    if (isMap(n)) return n.items.length === 0 ? 'an empty map' : 'a map'
    if (isSeq(n)) return n.items.length === 0 ? 'an empty list' : 'a list'
    const raw = this.text.slice(n.range[0], n.range[1]).trim()
    if (raw === '') return 'nothing'
    const line = raw.split('\n')[0] ?? raw
    return line.length > FOUND_MAX || line !== raw ? `${line.slice(0, FOUND_MAX)}...` : raw
  }

  isMissing(v: Val): boolean {
    return v.node === null || (isScalar(v.node) && v.node.value === null)
  }

  /** The entries of a map with arbitrary (but scalar) keys, in source order. */
  entries(v: Val, expected: string): Field[] {
    const n = v.node
    if (!isMap(n)) this.fail(v, expected)
    const out: Field[] = []
    for (const item of n.items) {
      if (!isPair(item)) continue
      const key = this.val(item.key, v.offset)
      if (!isScalar(key.node) || key.node.value === null || typeof key.node.value === 'object') {
        this.fail(key, 'a plain key')
      }
      const keyEnd = key.node.range?.[1] ?? key.offset
      out.push({key: String(key.node.value), keyOffset: key.offset, value: this.val(item.value, keyEnd)})
    }
    return out
  }

  /** A map whose keys must be among `allowed`; an unknown key is an error with a suggestion. */
  fields<K extends string>(v: Val, allowed: readonly K[], what: string): Fields<K> {
    const list = this.entries(v, `${what} (a map)`)
    for (const f of list) {
      if (!(allowed as readonly string[]).includes(f.key)) {
        const hint = closest(f.key, allowed)
        const found = `${f.key}${hint === null ? '' : ` (did you mean ${hint}?)`}`
        throw this.error(f.keyOffset, `expected one of the ${what} keys (${allowed.join(', ')}), found ${found}`)
      }
    }
    const known = list as (Field & {key: K})[]
    return {at: v, list: known, get: (key) => known.find((f) => f.key === key)?.value}
  }

  /** A required field: a missing key is reported at the start of the map. */
  require<K extends string>(fields: Fields<K>, key: K, what: string): Val {
    const v = fields.get(key)
    if (v === undefined) this.fail(fields.at, `key ${key} (${what})`, `a map without ${key}`)
    return v
  }

  list(v: Val, what: string): Val[] {
    const n = v.node
    if (!isSeq(n)) this.fail(v, what)
    return n.items.map((item) => this.val(item, v.offset))
  }

  scalar(v: Val): unknown {
    return isScalar(v.node) ? v.node.value : undefined
  }

  string(v: Val, what: string): string {
    const s = this.scalar(v)
    if (typeof s !== 'string') this.fail(v, what)
    return s
  }

  number(v: Val, what: string, min: number, max: number): number {
    const n = this.scalar(v)
    if (typeof n !== 'number' || !Number.isFinite(n) || n < min || n > max) this.fail(v, what)
    return n
  }

  integer(v: Val, what: string, min: number, max: number): number {
    const n = this.number(v, what, min, max)
    if (!Number.isInteger(n)) this.fail(v, what)
    return n
  }

  oneOf<T extends string>(v: Val, values: readonly T[], what: string): T {
    const s = this.scalar(v)
    if (typeof s !== 'string' || !(values as readonly string[]).includes(s)) {
      this.fail(v, `${what} (${values.join(' or ')})`)
    }
    return s as T
  }
}
