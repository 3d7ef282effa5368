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
 * it fits. Every report a node sends is checked, so a value that fits is checked by a function
 * compiled once per shape, which builds no field paths; only a misfit is walked again for its message.
 */
export function shapeProblem(value: unknown, shape: Shape): string | null {
  return fits(shape)(value) ? null : problemIn(value, shape, '')
}

type Fits = (v: unknown) => boolean

const PRIMITIVE_FITS: Readonly<Record<string, Fits>> = {
  integer: Number.isInteger,
  array: Array.isArray,
  object: (v) => typeof v === 'object' && v !== null,
  string: (v) => typeof v === 'string',
  number: (v) => typeof v === 'number',
  boolean: (v) => typeof v === 'boolean',
}

const compiled = new WeakMap<object, Fits>()

/** Whether a value fits `spec` (shapes are module constants: each is compiled once). */
function fits(spec: FieldSpec): Fits {
  if (typeof spec === 'string') return PRIMITIVE_FITS[spec]!
  let f = compiled.get(spec)
  if (f === undefined) compiled.set(spec, (f = compile(spec)))
  return f
}

function compile(spec: Exclude<FieldSpec, string>): Fits {
  const optional = wrapped(spec, 'optional')
  if (optional !== undefined) return orUndefinedOrNull(fits(optional), undefined)
  const nullable = wrapped(spec, 'nullable')
  if (nullable !== undefined) return orUndefinedOrNull(fits(nullable), null)
  const items = wrapped(spec, 'items')
  if (items !== undefined) return allOf(fits(items), (v) => (Array.isArray(v) ? v : null))
  const each = wrapped(spec, 'each')
  if (each !== undefined) return allOf(fits(each), (v) => (isRecord(v) ? Object.values(v) : null))
  if (Array.isArray(spec)) return (v) => typeof v === 'string' && spec.includes(v)
  const fields = Object.entries(spec as Shape).map(([field, s]) => [field, fits(s)] as const)
  return (v) => {
    if (!isRecord(v)) return false
    for (const [field, f] of fields) if (!f(v[field])) return false
    return true
  }
}

function orUndefinedOrNull(inner: Fits, absent: undefined | null): Fits {
  return (v) => v === absent || inner(v)
}

/** Fits when `values` gives an array (of the items, of a record's values) whose every element fits. */
function allOf(item: Fits, values: (v: unknown) => readonly unknown[] | null): Fits {
  return (v) => {
    const all = values(v)
    if (all === null) return false
    for (const x of all) if (!item(x)) return false
    return true
  }
}

function problemIn(value: unknown, shape: Shape, path: string): string | null {
  if (!isRecord(value)) return `${path || 'value'}: expected an object, found ${describe(value)}`
  const record = value as Record<string, unknown>
  for (const [field, spec] of Object.entries(shape)) {
    const problem = fieldProblem(record[field], spec, path ? `${path}.${field}` : field)
    if (problem !== null) return problem
  }
  return null
}

function fieldProblem(v: unknown, spec: FieldSpec, path: string): string | null {
  const optional = wrapped(spec, 'optional')
  if (optional !== undefined) return v === undefined ? null : fieldProblem(v, optional, path)
  const nullable = wrapped(spec, 'nullable')
  if (nullable !== undefined) return v === null ? null : fieldProblem(v, nullable, path)
  const items = wrapped(spec, 'items')
  if (items !== undefined) return Array.isArray(v) ? firstProblem(v.map((item, i) => [item, `${path}[${i}]`] as const), items) : `${path}: expected an array, found ${describe(v)}`
  const each = wrapped(spec, 'each')
  if (each !== undefined) return isRecord(v) ? firstProblem(Object.entries(v).map(([key, value]) => [value, `${path}.${key}`] as const), each) : `${path}: expected an object, found ${describe(v)}`
  if (Array.isArray(spec)) return typeof v === 'string' && spec.includes(v) ? null : `${path}: expected one of ${spec.join(', ')}, found ${describe(v)}`
  if (typeof spec === 'object') return problemIn(v, spec as Shape, path)
  const ok = spec === 'integer' ? Number.isInteger(v) : spec === 'array' ? Array.isArray(v) : spec === 'object' ? typeof v === 'object' && v !== null : typeof v === spec
  return ok ? null : `${path}: expected ${spec === 'integer' ? 'an integer' : spec === 'object' || spec === 'array' ? `an ${spec}` : `a ${spec}`}, found ${describe(v)}`
}

/** The inner spec of a one-key wrapper ({optional: ...} and the like), or undefined. */
function wrapped(spec: FieldSpec, key: 'optional' | 'nullable' | 'items' | 'each'): FieldSpec | undefined {
  if (typeof spec !== 'object' || Array.isArray(spec) || !(key in spec) || Object.keys(spec).length !== 1) return undefined
  return (spec as Record<string, FieldSpec>)[key]
}

function firstProblem(values: readonly (readonly [unknown, string])[], spec: FieldSpec): string | null {
  for (const [value, path] of values) {
    const problem = fieldProblem(value, spec, path)
    if (problem !== null) return problem
  }
  return null
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
