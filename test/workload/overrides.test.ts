import {describe, expect, it} from 'vitest'
import {WorkloadError} from '../../src/workload/errors.js'
import {applyOverrides} from '../../src/workload/overrides.js'
import {parseWorkload} from '../../src/workload/parse.js'
import type {Workload} from '../../src/workload/types.js'
import {yaml} from './helpers.js'

const text = yaml(
  'name: t',
  'cluster: {nodes: 3, holdTime: 2ms}',
  'files: {a: {pages: 4}}',
  'nodes:',
  '  all: [{read: a/0}]',
  '  "1-2": [{write: a/1}]',
)

function thrown(f: () => unknown): WorkloadError {
  try {
    f()
  } catch (e) {
    expect(e).toBeInstanceOf(WorkloadError)
    return e as WorkloadError
  }
  throw new Error('expected a WorkloadError')
}

describe('applyOverrides', () => {
  it('changes only what is given', () => {
    const w = parseWorkload(text, 'o.yaml')
    const o = applyOverrides(w, {granularity: 'file', states: 'exclusive', downgrade: 'write-protect', pageSize: 8192})
    expect(o.cluster).toEqual({nodes: 3, granularity: 'file', states: 'exclusive', downgrade: 'write-protect', pageSize: 8192, holdTimeUs: 2000, copyStrategy: 'ordered'})
    expect(applyOverrides(w, {holdTimeUs: 0}).cluster.holdTimeUs).toBe(0)
    expect(applyOverrides(w, {}).nodes).toEqual(w.nodes)
    expect(w.cluster.granularity).toBe('page') // the original is untouched
  })

  it('treats undefined fields as not given', () => {
    const w = parseWorkload(text, 'o.yaml')
    expect(applyOverrides(w, {nodes: undefined, pageSize: undefined}).cluster).toEqual(w.cluster)
  })

  it('expands "all" to a larger --nodes', () => {
    const o = applyOverrides(parseWorkload(text, 'o.yaml'), {nodes: 5})
    expect(o.cluster.nodes).toBe(5)
    expect(o.nodes.map((s) => s.length)).toEqual([1, 2, 2, 1, 1])
  })

  it('refuses --nodes that drops a node the script gives steps, naming the flag and the selector', () => {
    const e = thrown(() => applyOverrides(parseWorkload(text, 'o.yaml'), {nodes: 2}))
    expect(e.message).toBe('o.yaml:6:3: expected node ids 0..1 (--nodes 2 overrides cluster.nodes 3), found 1-2')
    expect([e.line, e.column, e.source]).toEqual([6, 3, 'o.yaml'])
  })

  it('refuses --nodes that drops a node a chaos step names, pointing at the step', () => {
    const w = parseWorkload(yaml('name: t', 'cluster: {nodes: 3}', 'files: {a: {pages: 4}}', 'nodes: {all: [{read: a/0}]}', 'chaos:', '  - {at: 1s, pause: 2, for: 1s}'), 'c.yaml')
    const e = thrown(() => applyOverrides(w, {nodes: 2}))
    expect(e.message).toBe('c.yaml:6:21: expected a chaos target among node ids 0..1 (--nodes 2 overrides cluster.nodes 3), found node 2')
    expect(applyOverrides(w, {nodes: 3}).chaos).toEqual(w.chaos)
  })

  it('checks the chaos steps of a workload built in code against --nodes too', () => {
    const w = parseWorkload(yaml('name: t', 'cluster: {nodes: 3}', 'files: {a: {pages: 4}}', 'nodes: {"0": [{read: a/0}]}', 'chaos:', '  - {at: 1s, kill: 2}'), 'c.yaml')
    const rebuilt: Workload = {...w, nodes: w.nodes.map((s) => [...s])}
    expect(() => applyOverrides(rebuilt, {nodes: 2})).toThrow(/expected a chaos target among node ids 0\.\.1 .*found node 2/)
  })

  it('can be applied again to an overridden workload', () => {
    const once = applyOverrides(parseWorkload(text, 'o.yaml'), {nodes: 4})
    expect(applyOverrides(once, {nodes: 6}).nodes).toHaveLength(6)
    expect(() => applyOverrides(once, {nodes: 1})).toThrow(/--nodes 1 overrides cluster.nodes 4/)
  })

  it.each([
    [{pageSize: 100}, '--page-size: expected a power of two 64..65536, found 100'],
    [{pageSize: 131072}, '--page-size: expected a power of two 64..65536, found 131072'],
    [{nodes: 0}, '--nodes: expected a whole number 1..256, found 0'],
    [{holdTimeUs: -5}, '--hold-time: expected a duration of at least 0us, found -5'],
  ])('refuses bad flag values %j', (overrides, message) => {
    const e = thrown(() => applyOverrides(parseWorkload(text, 'o.yaml'), overrides))
    expect(e.message).toBe(message)
    expect(e.line).toBe(0)
  })

  it('works on a workload that did not come from the parser (e.g. sent as JSON)', () => {
    const w = JSON.parse(JSON.stringify(parseWorkload(text, 'o.yaml'))) as Workload
    expect(applyOverrides(w, {nodes: 4}).nodes.map((s) => s.length)).toEqual([1, 2, 2, 0])
    expect(() => applyOverrides(w, {nodes: 2})).toThrow(/--nodes 2 overrides cluster.nodes 3\), found 2$/)
  })

  // `kill: 7` in a 2-node script was accepted (node ids were bounded only by 255), the run started
  // and its chaos schedule failed it: exit 4 with "chaos step: no node 7".
  it('refuses a chaos step naming a node the cluster does not have, at its place, in the script and after --nodes', () => {
    const chaos = yaml('name: t', 'cluster: {nodes: 3}', 'files: {a: {pages: 1}}', 'nodes: {all: [{read: a/0}]}', 'chaos:', '  - {at: 1s, kill: 2}', '  - {at: 2s, partition: 1}')
    const w = parseWorkload(chaos, 'c.yaml')
    expect(thrown(() => applyOverrides(w, {nodes: 2})).message).toBe('c.yaml:6:20: expected a chaos target among node ids 0..1 (--nodes 2 overrides cluster.nodes 3), found node 2')
    expect(thrown(() => applyOverrides(w, {nodes: 1})).message).toBe('c.yaml:6:20: expected a chaos target among node ids 0..0 (--nodes 1 overrides cluster.nodes 3), found node 2')
    expect(thrown(() => parseWorkload(chaos.replace('nodes: 3', 'nodes: 1'), 'c.yaml')).message).toBe('c.yaml:6:20: expected a chaos target among node ids 0..0 (cluster.nodes is 1), found node 2')
    expect(applyOverrides(w, {nodes: 4}).chaos).toHaveLength(2)
  })
})
