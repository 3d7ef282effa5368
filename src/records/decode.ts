// Shape checks for what arrives from another process (stream entries, the run's meta hash): a
// value is trusted as a T only after its fields were checked, so a foreign or corrupt message
// fails where it is read, with what was wrong, instead of deep inside the program.
import {RemoteMessageError} from '../protocol/errors.js'

/**
 * What a field must be: a typeof name, an array, a nested shape, a fixed set of values, optional
 * (absent), nullable (null), an array whose `items` all fit, or a record whose values (`each`,
 * under any keys) all fit. The wrappers are objects with that one key, so a nested shape must not
 * consist of a single field named optional, nullable, items or each.
 */
export type FieldSpec =
  | 'string' | 'number' | 'boolean' | 'object' | 'array' | 'integer'
  | readonly string[]
  | {readonly optional: FieldSpec}
  | {readonly nullable: FieldSpec}
  | {readonly items: FieldSpec}
  | {readonly each: FieldSpec}
  | Shape
export interface Shape {
  readonly [field: string]: FieldSpec
}

/**
 * The first thing wrong with `value` against `shape`, as `field: expected ..., found ...`; null when
 * it fits. Every report a node sends is checked, so each shape is compiled once into a check, and
 * a field's path is put together only on the way back from a misfit.
 */
export function shapeProblem(value: unknown, shape: Shape): string | null {
  const miss = check(shape)(value)
  if (miss === null) return null
  const path = miss.at.reverse().join('').replace(/^\./, '')
  return `${path || 'value'}: expected ${miss.expected}, found ${describe(miss.found)}`
}

/** A misfit: what was expected, what was found, and where (path segments, innermost first). */
interface Miss {
  readonly at: string[]
  readonly expected: string
  readonly found: unknown
}

type Check = (v: unknown) => Miss | null

function miss(expected: string, found: unknown): Miss {
  return {at: [], expected, found}
}

/** `m`, one level further out (a `.field`, `.key` or `[index]` segment). */
function within(m: Miss, segment: string): Miss {
  m.at.push(segment)
  return m
}

const PRIMITIVES: Readonly<Record<string, Check>> = {
  integer: (v) => (Number.isInteger(v) ? null : miss('an integer', v)),
  array: (v) => (Array.isArray(v) ? null : miss('an array', v)),
  object: (v) => (typeof v === 'object' && v !== null ? null : miss('an object', v)),
  string: (v) => (typeof v === 'string' ? null : miss('a string', v)),
  number: (v) => (typeof v === 'number' ? null : miss('a number', v)),
  boolean: (v) => (typeof v === 'boolean' ? null : miss('a boolean', v)),
}

const compiled = new WeakMap<object, Check>()

/** The check of `spec` (shapes are module constants: each is compiled once). */
function check(spec: FieldSpec): Check {
  if (typeof spec === 'string') return PRIMITIVES[spec]!
  let c = compiled.get(spec)
  if (c === undefined) compiled.set(spec, (c = compile(spec)))
  return c
}

function compile(spec: Exclude<FieldSpec, string>): Check {
  const optional = wrapped(spec, 'optional')
  if (optional !== undefined) return absentOr(undefined, check(optional))
  const nullable = wrapped(spec, 'nullable')
  if (nullable !== undefined) return absentOr(null, check(nullable))
  const items = wrapped(spec, 'items')
  if (items !== undefined) return everyItem(check(items))
  const each = wrapped(spec, 'each')
  if (each !== undefined) return everyValue(check(each))
  if (Array.isArray(spec)) return (v) => (typeof v === 'string' && spec.includes(v) ? null : miss(`one of ${spec.join(', ')}`, v))
  return everyField(Object.entries(spec as Shape).map(([field, s]) => [field, check(s)] as const))
}

function absentOr(absent: undefined | null, inner: Check): Check {
  return (v) => (v === absent ? null : inner(v))
}

function everyItem(item: Check): Check {
  return (v) => {
    if (!Array.isArray(v)) return miss('an array', v)
    for (let i = 0; i < v.length; i++) {
      const m = item(v[i])
      if (m !== null) return within(m, `[${i}]`)
    }
    return null
  }
}

function everyValue(value: Check): Check {
  return (v) => {
    if (!isRecord(v)) return miss('an object', v)
    for (const key of Object.keys(v)) {
      const m = value(v[key])
      if (m !== null) return within(m, `.${key}`)
    }
    return null
  }
}

function everyField(fields: readonly (readonly [string, Check])[]): Check {
  return (v) => {
    if (!isRecord(v)) return miss('an object', v)
    for (const [field, c] of fields) {
      const m = c(v[field])
      if (m !== null) return within(m, `.${field}`)
    }
    return null
  }
}

/** The inner spec of a one-key wrapper ({optional: ...} and the like), or undefined. */
function wrapped(spec: FieldSpec, key: 'optional' | 'nullable' | 'items' | 'each'): FieldSpec | undefined {
  if (typeof spec !== 'object' || Array.isArray(spec) || !(key in spec) || Object.keys(spec).length !== 1) return undefined
  return (spec as Record<string, FieldSpec>)[key]
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function describe(v: unknown): string {
  return v === undefined ? 'nothing' : JSON.stringify(v)?.slice(0, 60) ?? String(v)
}

/** Parses `text` as JSON and checks it against the shape of its `type` (from `shapes`); throws RemoteMessageError. */
export function decodeTyped<T extends {readonly type: string}>(text: string, shapes: Readonly<Record<T['type'], Shape>>, what: string): T {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new RemoteMessageError(`${what}: not JSON (${(error as Error).message})`)
  }
  const type = (value as {type?: unknown} | null)?.type
  const shape = typeof type === 'string' && Object.hasOwn(shapes, type) ? shapes[type as T['type']] : undefined
  if (shape === undefined) throw new RemoteMessageError(`${what}: unknown type ${describe(type)} (known: ${Object.keys(shapes).join(', ')})`)
  const problem = shapeProblem(value, shape)
  if (problem !== null) throw new RemoteMessageError(`${what} ${type}: ${problem}`)
  return value as T
}
