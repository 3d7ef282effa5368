import {readdirSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'
import {DEFAULT_CLUSTER} from '../../src/workload/keys.js'
import {loadWorkload, parseWorkload} from '../../src/workload/parse.js'
import type {MixStep, Step} from '../../src/workload/types.js'
import {parseSelector} from '../../src/workload/values.js'
import {durationProblem, parseDurationUs} from '../../src/workload/duration.js'
import {yaml} from './helpers.js'

const WORKLOADS = fileURLToPath(new URL('../../workloads', import.meta.url))
const examples = readdirSync(WORKLOADS).filter((f) => f.endsWith('.yaml'))

const minimal = yaml('name: tiny', 'files: {a: {pages: 2}}', 'nodes: {all: [{read: a/0}]}')

describe('example workloads', () => {
  it('are all there', () => {
    expect(examples).toEqual(
      expect.arrayContaining(['pingpong.yaml', 'readers-and-a-writer.yaml', 'upgrade-race.yaml', 'copy-both-ways.yaml', 'zipf-mix.yaml']),
    )
  })

  it.each(examples)('%s parses, names itself after its file, and gives every node steps', (file) => {
    const w = loadWorkload(join(WORKLOADS, file))
    expect(w.name).toBe(file.replace(/\.yaml$/, ''))
    expect(w.description).not.toBe('')
    expect(w.source).toBe(join(WORKLOADS, file))
    expect(w.nodes).toHaveLength(w.cluster.nodes)
    for (const steps of w.nodes) expect(steps.length).toBeGreaterThan(0)
  })

  it('zipf-mix is 4 nodes x 10,000 ops of 70/25/5 over two 64-page files', () => {
    const w = loadWorkload(join(WORKLOADS, 'zipf-mix.yaml'))
    expect(w.cluster.nodes).toBe(4)
    expect(w.files).toEqual({a: {pages: 64}, b: {pages: 64}})
    const mix: MixStep = {kind: 'mix', ops: 10000, durationUs: null, rate: null, read: 70, write: 25, copy: 5, pages: 'zipf', files: ['a', 'b']}
    for (const steps of w.nodes) expect(steps).toEqual([mix])
  })

  it('pingpong has both nodes writing a/0', () => {
    const w = loadWorkload(join(WORKLOADS, 'pingpong.yaml'))
    const writesA0 = (steps: readonly Step[]): boolean =>
      steps.some((s) => (s.kind === 'repeat' ? writesA0(s.body) : s.kind === 'op' && s.op.f === 'write' && s.op.page.file === 'a' && s.op.page.page === 0))
    expect(w.nodes.every(writesA0)).toBe(true)
  })
})

describe('parseWorkload', () => {
  it('fills in defaults', () => {
    const w = parseWorkload(minimal, 'tiny.yaml')
    expect(w.version).toBe(1)
    expect(w.description).toBe('')
    expect(w.cluster).toEqual(DEFAULT_CLUSTER)
    expect(w.cluster).toEqual({nodes: 2, granularity: 'page', states: 'shared', pageSize: 4096, downgrade: 'unmap', holdTimeUs: 0, copyStrategy: 'ordered'})
    expect(w.source).toBe('tiny.yaml')
  })

  it('reads every cluster setting', () => {
    const w = parseWorkload(
      yaml(
        'version: 1',
        'name: t',
        'description: d',
        'cluster: {nodes: 3, granularity: file, states: exclusive, pageSize: 65536, downgrade: write-protect, holdTime: 1.5ms}',
        'files: {a: {pages: 1}}',
        'nodes: {all: [{read: a/0}]}',
      ),
      't',
    )
    expect(w.cluster).toEqual({nodes: 3, granularity: 'file', states: 'exclusive', pageSize: 65536, downgrade: 'write-protect', holdTimeUs: 1500, copyStrategy: 'ordered'})
    expect(w.description).toBe('d')
  })

  it('parses every op', () => {
    const w = parseWorkload(
      yaml(
        'name: t',
        'files: {a: {pages: 4}, b: {pages: 4}}',
        'nodes:',
        '  "0":',
        '    - read: a/1',
        '    - write: b/3',
        '    - copy: {from: a/0, to: b/1, pages: 3}',
        '    - copy: {from: b/3, to: a/3}',
        '    - msync: a',
        '    - sleep: 500us',
        '    - sleep: 2ms',
      ),
      't',
    )
    expect(w.nodes[0]).toEqual([
      {kind: 'op', op: {f: 'read', page: {file: 'a', page: 1}}},
      {kind: 'op', op: {f: 'write', page: {file: 'b', page: 3}}},
      {kind: 'op', op: {f: 'copy', from: {file: 'a', page: 0}, to: {file: 'b', page: 1}, pages: 3}},
      {kind: 'op', op: {f: 'copy', from: {file: 'b', page: 3}, to: {file: 'a', page: 3}, pages: 1}},
      {kind: 'op', op: {f: 'msync', file: 'a'}},
      {kind: 'op', op: {f: 'sleep', us: 500}},
      {kind: 'op', op: {f: 'sleep', us: 2000}},
    ])
    expect(w.nodes[1]).toEqual([])
  })

  it('parses repeat and mix with defaults', () => {
    const w = parseWorkload(
      yaml(
        'name: t',
        'files: {a: {pages: 4}, b: {pages: 2}}',
        'nodes:',
        '  "0":',
        '    - repeat: 3',
        '      do: [{write: a/0}, {repeat: 2, do: [{read: a/1}]}]',
        '    - mix: {duration: 2s, rate: 500, write: 100}',
      ),
      't',
    )
    expect(w.nodes[0]).toEqual([
      {
        kind: 'repeat',
        times: 3,
        body: [
          {kind: 'op', op: {f: 'write', page: {file: 'a', page: 0}}},
          {kind: 'repeat', times: 2, body: [{kind: 'op', op: {f: 'read', page: {file: 'a', page: 1}}}]},
        ],
      },
      {kind: 'mix', ops: null, durationUs: 2_000_000, rate: 500, read: 0, write: 100, copy: 0, pages: 'uniform', files: ['a', 'b']},
    ])
  })

  it('resolves selectors, running the steps of several entries in script order', () => {
    const w = parseWorkload(
      yaml(
        'name: t',
        'cluster: {nodes: 5}',
        'files: {a: {pages: 8}}',
        'nodes:',
        '  all: [{read: a/0}]',
        '  "1,3": [{read: a/1}]',
        '  0-2: [{read: a/2}]',
        '  4: [{read: a/4}]',
        '  "0, 3-4": [{read: a/5}]',
      ),
      't',
    )
    const pages = w.nodes.map((steps) => steps.map((s) => (s.kind === 'op' && s.op.f === 'read' ? s.op.page.page : -1)))
    expect(pages).toEqual([[0, 2, 5], [0, 1, 2], [0, 2], [0, 1, 5], [0, 4, 5]])
  })

  it('follows YAML anchors and aliases', () => {
    const w = parseWorkload(
      yaml('name: t', 'files: {a: {pages: 2}}', 'nodes:', '  "0": &steps [{write: a/0}, {read: a/1}]', '  "1": *steps'),
      't',
    )
    expect(w.nodes[1]).toEqual(w.nodes[0])
  })

  it('accepts repeat 0 (explicit) and large counts without expanding them', () => {
    const w = parseWorkload(yaml('name: t', 'files: {a: {pages: 2}}', 'nodes:', '  all:', '    - repeat: 0', '      do: [{read: a/0}]', '    - repeat: 1000000000', '      do: [{read: a/0}]'), 't')
    expect(w.nodes[0]).toHaveLength(2)
  })
})

describe('scalar syntaxes', () => {
  it.each([
    ['500us', 500],
    ['500µs', 500],
    ['10ms', 10_000],
    ['1.5ms', 1500],
    ['2s', 2_000_000],
    ['.5s', 500_000],
    ['1m', 60_000_000],
    ['1h', 3_600_000_000],
    ['0ms', 0],
  ])('duration %s = %i us', (text, us) => {
    expect(parseDurationUs(text)).toBe(us)
  })

  it('refuses a bare number in a script, saying it has no unit', () => {
    expect(() => parseWorkload(yaml('name: t', 'cluster: {holdTime: 5}', 'files: {a: {pages: 1}}', 'nodes:', '  "0":', '    - read: a/0'), 't.yaml')).toThrow(
      't.yaml:2:21: expected cluster.holdTime (a duration with a unit: 500us, 10ms, 2s, 1m or 1h; a bare number has no unit), found 5',
    )
    expect(durationProblem('5')).toBe('5 has no unit; expected a duration with a unit: 500us, 10ms, 2s, 1m or 1h')
  })

  it.each(['10', '10 ms', '10d', '-1ms', 'ms', '1e3ms', ''])('refuses duration %j', (text) => {
    expect(parseDurationUs(text)).toBeNull()
  })

  // Node.js timers hold at most 2^31-1 ms and fire a longer wait after 1 ms: a hold time, sleep
  // or --budget past that used to take effect at once instead of never.
  it('refuses a duration longer than a timer can wait (596h), saying so', () => {
    expect(parseDurationUs('596h')).toBe(596 * 3_600_000_000)
    expect(parseDurationUs('597h')).toBeNull()
    expect(parseDurationUs('99999h')).toBeNull()
    expect(durationProblem('99999h')).toBe('99999h is too long; expected a duration of at most 596h')
    expect(() => parseWorkload(yaml('name: t', 'files: {a: {pages: 1}}', 'nodes:', '  "0":', '    - sleep: 99999h'), 't.yaml')).toThrow(
      't.yaml:5:14: expected sleep (a duration of at most 596h), found 99999h',
    )
    expect(() => parseWorkload(yaml('name: t', 'cluster: {holdTime: 1000h}', 'files: {a: {pages: 1}}', 'nodes:', '  "0":', '    - read: a/0'), 't.yaml')).toThrow(
      't.yaml:2:21: expected cluster.holdTime (a duration of at most 596h), found 1000h',
    )
  })

  it('parses node selectors', () => {
    expect(parseSelector('all')).toEqual({kind: 'all'})
    expect(parseSelector('1')).toEqual({kind: 'ranges', ranges: [{lo: 1, hi: 1}]})
    expect(parseSelector('1,2')).toEqual({kind: 'ranges', ranges: [{lo: 1, hi: 1}, {lo: 2, hi: 2}]})
    expect(parseSelector('0-3')).toEqual({kind: 'ranges', ranges: [{lo: 0, hi: 3}]})
    expect(parseSelector(' 0 , 2-3 ')).toEqual({kind: 'ranges', ranges: [{lo: 0, hi: 0}, {lo: 2, hi: 3}]})
    for (const bad of ['', 'al', '3-1', '1,1', '0-2,2', '-1', '1,', 'a'] as const) expect(parseSelector(bad)).toBeNull()
  })
})
