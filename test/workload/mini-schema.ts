// A tiny JSON Schema validator for the keywords schema/workload.schema.json uses (no ajv in
// this project). It refuses any keyword it does not know, so the schema cannot grow a
// keyword that this test silently ignores.

export type Schema = boolean | {readonly [keyword: string]: unknown}

const KNOWN = new Set([
  '$schema', '$id', 'title', 'description', 'default', '$defs',
  'type', 'properties', 'additionalProperties', 'required', 'propertyNames', 'minProperties',
  'items', 'minItems', 'uniqueItems', 'enum', 'const', 'pattern', 'minLength',
  'minimum', 'maximum', 'exclusiveMinimum', 'oneOf', 'anyOf', '$ref',
])

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function typeOf(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number'
  return typeof v
}

/** Errors of `value` against `schema` (empty = valid). `root` resolves `#/$defs/...` refs. */
export function validate(schema: Schema, value: unknown, root: Schema = schema, path = '$'): string[] {
  if (schema === true) return []
  if (schema === false) return [`${path}: not allowed`]
  const errors: string[] = []
  const s = schema
  for (const k of Object.keys(s)) if (!KNOWN.has(k)) throw new Error(`mini-schema does not know keyword ${k}`)

  if (typeof s.$ref === 'string') errors.push(...validate(resolveRef(root, s.$ref), value, root, path))
  if (s.type !== undefined) {
    const t = typeOf(value)
    const ok = s.type === t || (s.type === 'number' && t === 'integer')
    if (!ok) return [...errors, `${path}: expected ${String(s.type)}, found ${t}`]
  }
  if (s.const !== undefined && s.const !== value) errors.push(`${path}: expected ${JSON.stringify(s.const)}`)
  if (Array.isArray(s.enum) && !s.enum.includes(value)) errors.push(`${path}: expected one of ${JSON.stringify(s.enum)}`)
  if (typeof value === 'string') {
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(value)) errors.push(`${path}: ${value} does not match ${s.pattern}`)
    if (typeof s.minLength === 'number' && value.length < s.minLength) errors.push(`${path}: too short`)
  }
  if (typeof value === 'number') {
    if (typeof s.minimum === 'number' && value < s.minimum) errors.push(`${path}: below ${s.minimum}`)
    if (typeof s.maximum === 'number' && value > s.maximum) errors.push(`${path}: above ${s.maximum}`)
    if (typeof s.exclusiveMinimum === 'number' && value <= s.exclusiveMinimum) errors.push(`${path}: not above ${s.exclusiveMinimum}`)
  }
  if (Array.isArray(value)) {
    if (typeof s.minItems === 'number' && value.length < s.minItems) errors.push(`${path}: fewer than ${s.minItems} items`)
    if (s.uniqueItems === true && new Set(value.map((x) => JSON.stringify(x))).size !== value.length) errors.push(`${path}: duplicate items`)
    if (s.items !== undefined) value.forEach((item, i) => errors.push(...validate(s.items as Schema, item, root, `${path}[${i}]`)))
  }
  if (isObject(value)) {
    const props = isObject(s.properties) ? s.properties : {}
    const keys = Object.keys(value)
    if (typeof s.minProperties === 'number' && keys.length < s.minProperties) errors.push(`${path}: fewer than ${s.minProperties} keys`)
    if (Array.isArray(s.required)) for (const r of s.required) if (!(String(r) in value)) errors.push(`${path}: missing ${String(r)}`)
    for (const k of keys) {
      if (s.propertyNames !== undefined) errors.push(...validate(s.propertyNames as Schema, k, root, `${path} key ${k}`))
      if (k in props) errors.push(...validate(props[k] as Schema, value[k], root, `${path}.${k}`))
      else if (s.additionalProperties !== undefined) errors.push(...validate(s.additionalProperties as Schema, value[k], root, `${path}.${k}`))
    }
  }
  if (Array.isArray(s.oneOf)) {
    const passing = s.oneOf.filter((sub) => validate(sub as Schema, value, root, path).length === 0).length
    if (passing !== 1) errors.push(`${path}: matches ${passing} of oneOf, expected exactly 1`)
  }
  if (Array.isArray(s.anyOf) && !s.anyOf.some((sub) => validate(sub as Schema, value, root, path).length === 0)) {
    errors.push(`${path}: matches none of anyOf`)
  }
  return errors
}

export function resolveRef(root: Schema, ref: string): Schema {
  const m = /^#\/\$defs\/(.+)$/.exec(ref)
  const defs = isObject(root) && isObject(root.$defs) ? root.$defs : {}
  const target = m?.[1] === undefined ? undefined : defs[m[1]]
  if (target === undefined) throw new Error(`unresolvable $ref ${ref}`)
  return target as Schema
}
