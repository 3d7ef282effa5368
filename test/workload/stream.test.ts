import {describe, expect, it} from 'vitest'
import {parseWorkload} from '../../src/workload/parse.js'
import {countOps, createOpStream} from '../../src/workload/stream.js'
import type {Op, Workload} from '../../src/workload/types.js'
import {drain, yaml} from './helpers.js'

/** A workload over files a (64 pages) and b (64 pages) with the given steps for every node. */
function allNodes(stepsYaml: string, nodes = 2): Workload {
  return parseWorkload(yaml('name: t', `cluster: {nodes: ${nodes}}`, 'files: {a: {pages: 64}, b: {pages: 64}}', 'nodes:', `  all: ${stepsYaml}`), 't.yaml')
}

function opText(op: Op): string {
  switch (op.f) {
    case 'read':
    case 'write':
      return `${op.f} ${op.page.file}/${op.page.page}`
    case 'copy':
      return `copy ${op.from.file}/${op.from.page}->${op.to.file}/${op.to.page}x${op.pages}`
    case 'msync':
      return `msync ${op.file}`
    case 'sleep':
      return `sleep ${op.us}`
  }
}

const bigMix = '[{mix: {ops: 10000, read: 70, write: 25, copy: 5, pages: zipf}}]'

describe('createOpStream: plain steps', () => {
  it('expands repeats in order, depth first', () => {
    const w = allNodes('[{repeat: 2, do: [{write: a/0}, {repeat: 2, do: [{read: a/1}]}, {read: a/2}]}, {msync: a}]')
    const s = createOpStream(w, 0, 1)
    expect(s.total).toBe(9)
    const ops = drain(s)
    expect(ops.map((o) => opText(o.op))).toEqual([
      'write a/0',
      'read a/1',
      'read a/1',
      'read a/2',
      'write a/0',
      'read a/1',
      'read a/1',
      'read a/2',
      'msync a',
    ])
    expect(ops.every((o) => o.intendedUs === null)).toBe(true)
    expect(s.next(0)).toBeNull()
    expect(s.next(0)).toBeNull()
  })

  it('skips repeat 0 and repeats of empty-yielding bodies', () => {
    const w = allNodes('[{repeat: 1000000000, do: [{repeat: 0, do: [{read: a/0}]}]}, {write: a/1}]')
    const s = createOpStream(w, 0, 1)
    expect(s.total).toBe(1)
    expect(drain(s).map((o) => opText(o.op))).toEqual(['write a/1'])
  })

  it('is lazy: a repeat of 10^7 yields its first ops at once', () => {
    const w = allNodes('[{repeat: 10000000, do: [{write: a/0}, {read: a/1}]}]')
    const before = process.memoryUsage().heapUsed
    const started = performance.now()
    const s = createOpStream(w, 0, 1)
    expect(s.total).toBe(20_000_000)
    for (let i = 0; i < 5; i++) expect(s.next(0)).not.toBeNull()
    expect(performance.now() - started).toBeLessThan(100)
    // Far below 10^7 ops of anything (an op object is tens of bytes).
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(20_000_000)
  })

  it('is lazy for big mixes too', () => {
    const w = allNodes('[{mix: {ops: 1000000000, read: 100}}]')
    const s = createOpStream(w, 1, 1)
    expect(s.total).toBe(1_000_000_000)
    for (let i = 0; i < 5; i++) expect(s.next(0)?.op.f).toBe('read')
  })

  it('refuses a node the workload does not have', () => {
    expect(() => createOpStream(allNodes('[{read: a/0}]'), 2, 1)).toThrow(RangeError)
  })
})

describe('createOpStream: seeds', () => {
  const w = allNodes(bigMix, 4)
  const seq = (node: number, seed: number, n = 2000): string[] => drain(createOpStream(w, node, seed), n).map((o) => opText(o.op))

  it('same seed and node give the same sequence', () => {
    expect(seq(0, 42)).toEqual(seq(0, 42))
    expect(seq(3, 2 ** 40 + 7)).toEqual(seq(3, 2 ** 40 + 7))
  })

  it('different seeds give different sequences', () => {
    expect(seq(0, 42)).not.toEqual(seq(0, 43))
    expect(seq(0, 1)).not.toEqual(seq(0, 2 ** 32 + 1))
  })

  it('different nodes get different sequences from one seed', () => {
    const all = [0, 1, 2, 3].map((n) => seq(n, 42).join(','))
    expect(new Set(all).size).toBe(4)
  })

  it('a stream does not depend on the elapsed times passed to next() (closed loop)', () => {
    const a = createOpStream(w, 0, 9)
    const b = createOpStream(w, 0, 9)
    for (let i = 0; i < 500; i++) expect(a.next(i * 1000)).toEqual(b.next(i))
  })
})

describe('createOpStream: mixes', () => {
  it('draws ops in the mix proportions (10k draws)', () => {
    const ops = drain(createOpStream(allNodes('[{mix: {ops: 10000, read: 70, write: 25, copy: 5}}]'), 0, 3))
    expect(ops).toHaveLength(10000)
    const share = (f: Op['f']): number => ops.filter((o) => o.op.f === f).length / ops.length
    expect(share('read')).toBeCloseTo(0.7, 1)
    expect(Math.abs(share('read') - 0.7)).toBeLessThan(0.02)
    expect(Math.abs(share('write') - 0.25)).toBeLessThan(0.02)
    expect(Math.abs(share('copy') - 0.05)).toBeLessThan(0.01)
  })

  it('draws only valid copies between two different files, 1..4 pages', () => {
    const w = parseWorkload(
      yaml('name: t', 'files: {a: {pages: 5}, b: {pages: 64}, c: {pages: 1}}', 'nodes: {all: [{mix: {ops: 5000, copy: 100}}]}'),
      't',
    )
    const sizes: Record<string, number> = {a: 5, b: 64, c: 1}
    const lengths = new Set<number>()
    for (const {op} of drain(createOpStream(w, 0, 5))) {
      if (op.f !== 'copy') throw new Error(`not a copy: ${opText(op)}`)
      expect(op.from.file).not.toBe(op.to.file)
      expect(op.pages).toBeGreaterThanOrEqual(1)
      expect(op.pages).toBeLessThanOrEqual(4)
      expect(op.from.page + op.pages).toBeLessThanOrEqual(sizes[op.from.file] ?? 0)
      expect(op.to.page + op.pages).toBeLessThanOrEqual(sizes[op.to.file] ?? 0)
      lengths.add(op.pages)
    }
    expect([...lengths].sort()).toEqual([1, 2, 3, 4])
  })

  it('draws pages only from the mix files, uniformly', () => {
    const w = parseWorkload(yaml('name: t', 'files: {a: {pages: 8}, b: {pages: 8}, c: {pages: 8}}', 'nodes: {all: [{mix: {ops: 16000, read: 100, files: [a, c]}}]}'), 't')
    const counts = new Map<string, number>()
    for (const {op} of drain(createOpStream(w, 0, 11))) {
      if (op.f !== 'read') throw new Error('not a read')
      const key = `${op.page.file}/${op.page.page}`
      counts.set(key, (counts.get(key) ?? 0) + 1)
    }
    expect([...counts.keys()].every((k) => k.startsWith('a/') || k.startsWith('c/'))).toBe(true)
    expect(counts.size).toBe(16)
    for (const n of counts.values()) expect(n).toBeGreaterThan(800) // expected 1000 each
  })

  it('zipf pages: rank 0 is far more frequent than the median rank, and hot pages alternate files', () => {
    const ops = drain(createOpStream(allNodes('[{mix: {ops: 20000, write: 100, pages: zipf}}]'), 0, 4))
    const counts = new Map<string, number>()
    for (const {op} of ops) if (op.f === 'write') counts.set(`${op.page.file}/${op.page.page}`, (counts.get(`${op.page.file}/${op.page.page}`) ?? 0) + 1)
    const ranked = [...counts.entries()].sort((x, y) => y[1] - x[1])
    expect(ranked.slice(0, 2).map(([k]) => k).sort()).toEqual(['a/0', 'b/0'])
    const byRank = [...counts.values()].sort((x, y) => y - x)
    const median = byRank[Math.floor(byRank.length / 2)] ?? 0
    expect(counts.get('a/0') ?? 0).toBeGreaterThan(20 * Math.max(median, 1))
  })

  it('rate: op k is due at stepStart + k * 1e6 / rate, whatever the clock says', () => {
    const w = allNodes('[{write: a/0}, {mix: {ops: 5, rate: 1000, read: 100}}, {write: a/1}]')
    const s = createOpStream(w, 0, 1)
    expect(s.next(0)?.intendedUs).toBeNull()
    const times = [5000, 5100, 9000, 7000, 30000].map((t) => s.next(t)?.intendedUs)
    expect(times).toEqual([5000, 6000, 7000, 8000, 9000])
    expect(s.next(31000)).toEqual({op: {f: 'write', page: {file: 'a', page: 1}}, intendedUs: null})
  })

  it('rate with a fractional interval', () => {
    const s = createOpStream(allNodes('[{mix: {ops: 4, rate: 3, read: 100}}]'), 0, 1)
    expect(drain(s, 10, 100).map((o) => o.intendedUs)).toEqual([100, 100 + 1e6 / 3, 100 + 2e6 / 3, 100 + 1e6])
  })

  it('duration: the mix ends once elapsed passes start + duration, then later steps run', () => {
    const w = allNodes('[{mix: {duration: 10ms, read: 100}}, {write: a/3}]')
    const s = createOpStream(w, 0, 1)
    expect(s.total).toBeNull()
    expect(s.next(1000)?.op.f).toBe('read') // mix starts at 1000: ends at 11000
    expect(s.next(5000)?.op.f).toBe('read')
    expect(s.next(10_999)?.op.f).toBe('read')
    expect(s.next(11_001)).toEqual({op: {f: 'write', page: {file: 'a', page: 3}}, intendedUs: null})
    expect(s.next(12_000)).toBeNull()
  })

  it('duration with rate: no op is due at or after the end', () => {
    const s = createOpStream(allNodes('[{mix: {duration: 10ms, rate: 1000, read: 100}}]'), 0, 1)
    const ops = drain(s, 100, 0)
    expect(ops.map((o) => o.intendedUs)).toEqual([0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000])
  })

  it('a repeated duration mix restarts its clock each time', () => {
    const s = createOpStream(allNodes('[{repeat: 2, do: [{mix: {duration: 1ms, rate: 1000, read: 100}}, {sleep: 1ms}]}]'), 0, 1)
    expect([s.next(0), s.next(2000), s.next(2000), s.next(4000)].map((o) => [o?.op.f, o?.intendedUs])).toEqual([
      ['read', 0],
      ['sleep', null],
      ['read', 2000],
      ['sleep', null],
    ])
    expect(s.next(5000)).toBeNull()
  })
})

describe('countOps', () => {
  it('is exact for finite steps and null with a duration mix', () => {
    const finite = allNodes('[{repeat: 3, do: [{read: a/0}, {mix: {ops: 7, read: 100}}]}, {sleep: 1ms}]')
    expect(countOps(finite.nodes[0] ?? [])).toBe(3 * 8) // the sleep is not an op
    const timed = allNodes('[{read: a/0}, {repeat: 2, do: [{mix: {duration: 1s, read: 100}}]}]')
    expect(countOps(timed.nodes[0] ?? [])).toBeNull()
    const skipped = allNodes('[{read: a/0}, {repeat: 0, do: [{mix: {duration: 1s, read: 100}}]}]')
    expect(countOps(skipped.nodes[0] ?? [])).toBe(1)
  })
})
