// schema/workload.schema.json is for editors; the parser is the authority. These tests keep
// them from drifting apart: same keys, same enums, same defaults, and every example script
// valid against the schema.
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'
import {parse as parseYaml} from 'yaml'
import {
  CLUSTER_KEYS,
  COPY_KEYS,
  DEFAULT_CLUSTER,
  DOWNGRADE_STYLES,
  FILE_KEYS,
  FILE_NAME_PATTERN,
  GRANULARITIES,
  LIMITS,
  MIX_KEYS,
  PAGE_CHOICES,
  STATES_MODES,
  STEP_KEYS,
  TOP_KEYS,
} from '../../src/workload/keys.js'
import {isValidPageSize} from '../../src/workload/parse.js'
import {parseDurationUs} from '../../src/workload/duration.js'
import {resolveRef, type Schema, validate} from './mini-schema.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const schema = JSON.parse(readFileSync(join(ROOT, 'schema/workload.schema.json'), 'utf8')) as Record<string, unknown>

type Obj = Record<string, unknown>
const obj = (v: unknown): Obj => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`not an object: ${JSON.stringify(v)}`)
  return v as Obj
}
const def = (name: string): Obj => obj(resolveRef(schema as Schema, `#/$defs/${name}`))
const keysOf = (s: Obj): string[] => Object.keys(obj(s.properties)).sort()
const prop = (s: Obj, key: string): Obj => obj(obj(s.properties)[key])
const sorted = (xs: readonly string[]): string[] => [...xs].sort()

describe('workload.schema.json', () => {
  it('is a draft 2020-12 schema', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema')
  })

  it('has the same keys as the parser at every level', () => {
    expect(keysOf(schema)).toEqual(sorted(TOP_KEYS))
    expect(keysOf(def('cluster'))).toEqual(sorted(CLUSTER_KEYS))
    expect(keysOf(def('file'))).toEqual(sorted(FILE_KEYS))
    expect(keysOf(def('copy'))).toEqual(sorted(COPY_KEYS))
    expect(keysOf(def('mix'))).toEqual(sorted(MIX_KEYS))
    const stepVariants = (obj(def('step')).oneOf as Obj[]).map((v) => obj(resolveRef(schema as Schema, String(v.$ref))))
    expect(sorted(stepVariants.flatMap(keysOf))).toEqual(sorted(STEP_KEYS))
  })

  it('forbids unknown keys everywhere, as the parser does', () => {
    expect(schema.additionalProperties).toBe(false)
    for (const name of ['cluster', 'file', 'copy', 'mix', 'readStep', 'writeStep', 'copyStep', 'msyncStep', 'sleepStep', 'repeatStep', 'mixStep']) {
      expect(def(name).additionalProperties, name).toBe(false)
    }
  })

  it('has the parser enums and defaults', () => {
    const cluster = def('cluster')
    expect(prop(cluster, 'granularity').enum).toEqual([...GRANULARITIES])
    expect(prop(cluster, 'states').enum).toEqual([...STATES_MODES])
    expect(prop(cluster, 'downgrade').enum).toEqual([...DOWNGRADE_STYLES])
    expect(prop(def('mix'), 'pages').enum).toEqual([...PAGE_CHOICES])
    const pageSizes = prop(cluster, 'pageSize').enum as number[]
    expect(pageSizes.every(isValidPageSize)).toBe(true)
    expect(pageSizes).toHaveLength(Math.log2(LIMITS.maxPageSize / LIMITS.minPageSize) + 1)
    expect(prop(cluster, 'nodes').maximum).toBe(LIMITS.maxNodes)
    expect(prop(def('file'), 'pages').maximum).toBe(LIMITS.maxFilePages)
    expect(def('fileName').pattern).toBe(FILE_NAME_PATTERN)

    const d = DEFAULT_CLUSTER
    expect(prop(cluster, 'nodes').default).toBe(d.nodes)
    expect(prop(cluster, 'granularity').default).toBe(d.granularity)
    expect(prop(cluster, 'states').default).toBe(d.states)
    expect(prop(cluster, 'pageSize').default).toBe(d.pageSize)
    expect(prop(cluster, 'downgrade').default).toBe(d.downgrade)
    expect(parseDurationUs(String(prop(cluster, 'holdTime').default))).toBe(d.holdTimeUs)
    expect(prop(schema, 'version').default).toBe(1)
  })

  it('describes every property (editors show these)', () => {
    const missing: string[] = []
    const visit = (s: Obj, path: string): void => {
      for (const [k, v] of Object.entries(obj(s.properties ?? {}))) {
        const p = obj(v)
        const described = typeof p.description === 'string' || (typeof p.$ref === 'string' && typeof obj(resolveRef(schema as Schema, p.$ref)).description === 'string')
        if (!described) missing.push(`${path}.${k}`)
      }
    }
    visit(schema, '$')
    for (const name of Object.keys(obj(schema.$defs))) visit(def(name), name)
    expect(missing).toEqual([])
  })

  const workloads = join(ROOT, 'workloads')
  it.each(readdirSync(workloads).filter((f) => f.endsWith('.yaml')))('validates example %s', (file) => {
    const doc: unknown = parseYaml(readFileSync(join(workloads, file), 'utf8'))
    expect(validate(schema as Schema, doc)).toEqual([])
  })

  it('rejects what the parser rejects (spot checks)', () => {
    const ok = {name: 't', files: {a: {pages: 4}}, nodes: {all: [{read: 'a/0'}]}}
    expect(validate(schema as Schema, ok)).toEqual([])
    const bad: unknown[] = [
      {...ok, nodez: 1},
      {...ok, version: 2},
      {...ok, cluster: {pageSize: 1000}},
      {...ok, nodes: {all: [{wrte: 'a/0'}]}},
      {...ok, nodes: {all: [{read: 'a0'}]}},
      {...ok, nodes: {all: [{read: 'a/0', write: 'a/1'}]}},
      {...ok, nodes: {all: [{repeat: 2}]}},
      {...ok, nodes: {all: [{sleep: '10 sec'}]}},
      {...ok, nodes: {'0,x': [{read: 'a/0'}]}},
      {...ok, nodes: {all: [{mix: {ops: 1, duration: '1s', read: 100}}]}},
      {name: 't', files: {a: {pages: 4}}},
      // Chaos durations need a unit too, as in every other duration (parse-chaos.ts readDuration).
      {...ok, chaos: [{at: 5, kill: 0}]},
      {...ok, chaos: [{every: 3, kill: 'random', restart: '1s'}]},
      {...ok, chaos: [{at: '1s', pause: 0, for: 2}]},
      {...ok, chaos: [{at: '1s', delay: 0, by: 20, jitter: '5ms'}]},
      {...ok, chaos: [{at: '1s', skew: 0, by: 300}]},
    ]
    for (const b of bad) expect(validate(schema as Schema, b), JSON.stringify(b)).not.toEqual([])
    expect(validate(schema as Schema, {...ok, chaos: [{at: '1s', skew: 0, by: '-300ms', for: '2s'}, {at: '1s', delay: 0, by: '20ms', jitter: '5ms'}]})).toEqual([])
  })
})
