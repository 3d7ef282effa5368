import {readdirSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {loadWorkload, parseWorkload} from '../../src/workload/parse.js'
import {applyOverrides} from '../../src/workload/overrides.js'
import {workloadSource} from '../../src/workload/to-source.js'
import {ROOT} from '../helpers/cli.js'

const strip = (w: object) => ({...w, source: ''})

describe('workloadSource', () => {
  const dir = join(ROOT, 'workloads')
  for (const name of readdirSync(dir)) {
    it(`parses back to the same workload: ${name}`, () => {
      const w = loadWorkload(join(dir, name))
      expect(strip(parseWorkload(JSON.stringify(workloadSource(w)), 'meta'))).toEqual(strip(w))
      const wider = applyOverrides(w, {nodes: 5, holdTimeUs: 1500, pageSize: 1024})
      expect(strip(parseWorkload(JSON.stringify(workloadSource(wider)), 'meta'))).toEqual(strip(wider))
    })
  }
})

describe('workloadSource, every step kind', () => {
  it('parses back to the same workload', () => {
    const text = [
      'name: all-kinds',
      'cluster: {nodes: 3, holdTime: 1.5ms}',
      'files: {a: {pages: 4}, b: {pages: 4}}',
      'nodes:',
      '  0: [{read: a/0}, {write: b/3}, {copy: {from: a/0, to: b/1, pages: 2}}, {msync: a}, {sleep: 250us}, {repeat: 0, do: [{read: a/1}]}]',
      '  1-2: [{mix: {duration: 1.5s, rate: 12.5, read: 40, write: 40, copy: 20, pages: zipf, files: [b, a]}}, {mix: {ops: 7, write: 100}}]',
      'chaos:',
      '  - {at: 1s, kill: 1, restart: 500ms}',
      '  - {every: 2.5s, kill: random}',
      '  - {at: 3s, pause: 0, for: 4s}',
      '  - {at: 2s, kill: holder-of a/1, when: writing-back, restart: 1ms}',
      '  - {at: 7s, restart-redis: true}',
    ].join('\n')
    const w = parseWorkload(text, 'x.yaml')
    expect(strip(parseWorkload(JSON.stringify(workloadSource(w)), 'meta'))).toEqual(strip(w))
  })
})
