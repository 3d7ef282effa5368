import {mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {basename, join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {decodeHistogram, percentiles, encodeCounts} from '../../src/metrics/histogram.js'
import {mergeHistograms, readHistogramFiles, writeHistogramFiles} from '../../src/metrics/merge.js'
import {LatencyRecorder} from '../../src/metrics/recorder.js'
import type {EncodedHistograms} from '../../src/records/histogram-keys.js'

function lcg(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

/** Two nodes' recorders and one recorder that saw every op of both. */
function twoNodes(): {a: LatencyRecorder; b: LatencyRecorder; all: LatencyRecorder} {
  const a = new LatencyRecorder()
  const b = new LatencyRecorder()
  const all = new LatencyRecorder()
  const rnd = lcg(1)
  for (let i = 0; i < 20_000; i++) {
    const node = i % 3 === 0 ? a : b
    const lat = Math.floor(rnd() * 50_000)
    const op = i % 4 === 0 ? 'write' : 'read'
    const fault = i % 5 === 0 ? 'acquired' : 'hit'
    // Only node a runs open loop on writes.
    const intended = node === a && op === 'write' ? lat + Math.floor(rnd() * 10_000) : undefined
    node.record(op, fault, lat, intended)
    all.record(op, fault, lat, intended)
  }
  return {a, b, all}
}

describe('mergeHistograms', () => {
  it('merging two nodes equals recording everything in one', () => {
    const {a, b, all} = twoNodes()
    const merged = mergeHistograms([encodeCounts(a.snapshot()), encodeCounts(b.snapshot())])
    const single = encodeCounts(all.snapshot())
    expect(merged).toEqual(single)
    for (const side of ['corrected', 'uncorrected'] as const) {
      for (const key of Object.keys(single[side])) {
        expect(percentiles(decodeHistogram(merged[side][key]!))).toEqual(percentiles(decodeHistogram(single[side][key]!)))
      }
    }
    // op:write differs (node a was open loop); op:read never did.
    expect(merged.uncorrected['op:write']).not.toBe(merged.corrected['op:write'])
    expect(merged.uncorrected['op:read']).toBe(merged.corrected['op:read'])
  })

  it('treats a missing uncorrected entry as equal to the corrected one, and missing keys as empty', () => {
    const r = new LatencyRecorder()
    r.record('read', 'hit', 10)
    const s = encodeCounts(r.snapshot())
    const partial: EncodedHistograms = {corrected: {...s.corrected}, uncorrected: {}}
    const merged = mergeHistograms([partial, {corrected: {}, uncorrected: {}}])
    expect(merged).toEqual(s)
    expect(mergeHistograms([])).toEqual({corrected: {}, uncorrected: {}})
  })

  it('names the element whose histogram is corrupt', () => {
    const r = new LatencyRecorder()
    r.record('read', 'hit', 10)
    expect(() => mergeHistograms([encodeCounts(r.snapshot()), {corrected: {'op:read': 'HISTFgarbage'}, uncorrected: {}}])).toThrow(/cannot merge corrected op:read of element 1: corrupt histogram string/)
  })
})

describe('histogram files', () => {
  let dir = ''
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cmm-metrics-'))
  })
  afterEach(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  it('writes .histf and .hgrm per key, -uncorrected only where different, and reads them back', async () => {
    const {a, b} = twoNodes()
    const perNode = new Map([[1, encodeCounts(b.snapshot())], [0, encodeCounts(a.snapshot())]])
    const merged = mergeHistograms([...perNode.values()])
    const out = join(dir, 'histograms')
    const written = await writeHistogramFiles(out, perNode, merged)

    expect((await readdir(out)).sort()).toEqual(['merged', 'node-0', 'node-1'])
    const names = (await readdir(join(out, 'merged'))).sort()
    expect(names).toEqual([
      'fault-acquired-uncorrected.hgrm', 'fault-acquired-uncorrected.histf', 'fault-acquired.hgrm', 'fault-acquired.histf',
      'fault-hit-uncorrected.hgrm', 'fault-hit-uncorrected.histf', 'fault-hit.hgrm', 'fault-hit.histf',
      'op-read.hgrm', 'op-read.histf',
      'op-write-uncorrected.hgrm', 'op-write-uncorrected.histf', 'op-write.hgrm', 'op-write.histf',
    ])
    // node 1 ran closed loop only: no uncorrected files at all.
    expect((await readdir(join(out, 'node-1'))).filter((n) => n.includes('uncorrected'))).toEqual([])
    expect(written.length).toBe(14 + 14 + 8)
    expect(written.every((p) => p.startsWith(out))).toBe(true)
    expect(written.map((p) => basename(p))).toContain('op-write-uncorrected.histf')

    const histf = await readFile(join(out, 'merged', 'op-read.histf'), 'utf8')
    expect(histf).toBe(`${merged.corrected['op:read']}\n`)
    const hgrm = await readFile(join(out, 'merged', 'op-read.hgrm'), 'utf8')
    const lines = hgrm.split('\n')
    expect(lines[0]).toMatch(/^\s+Value\s+Percentile TotalCount 1\/\(1-Percentile\)$/)
    expect(hgrm).toContain('Value     Percentile TotalCount 1/(1-Percentile)')
    expect(hgrm).toContain('#[Mean    =')
    expect(hgrm).toMatch(/#\[Max     = .*, Total count    = +\d+\]/)
    // Values are in microseconds: the last percentile line is the max, < 50 000 µs.
    const max = Number(/#\[Max\s+=\s+([\d.]+)/.exec(hgrm)?.[1])
    expect(max).toBeGreaterThan(40_000)
    expect(max).toBeLessThan(51_000)

    const back = await readHistogramFiles(out)
    expect(back.merged).toEqual(merged)
    expect([...back.perNode.keys()]).toEqual([0, 1])
    expect(back.perNode.get(0)).toEqual(perNode.get(0))
    expect(back.perNode.get(1)).toEqual(perNode.get(1))
  })

  it('reports the file of a corrupt .histf', async () => {
    const r = new LatencyRecorder()
    r.record('read', 'hit', 10)
    await writeHistogramFiles(dir, new Map([[0, encodeCounts(r.snapshot())]]), encodeCounts(r.snapshot()))
    await writeFile(join(dir, 'node-0', 'op-read.histf'), 'HISTFxx==\n')
    await expect(readHistogramFiles(dir)).rejects.toThrow(/node-0\/op-read\.histf: corrupt histogram string/)
  })

  it('refuses keys that cannot map back from a file name', async () => {
    const r = new LatencyRecorder()
    r.record('read', 'hit', 10)
    const s = encodeCounts(r.snapshot()).corrected['op:read']!
    await expect(writeHistogramFiles(dir, new Map(), {corrected: {'../evil': s}, uncorrected: {}})).rejects.toThrow(/not usable as a file name/)
    await expect(writeHistogramFiles(dir, new Map(), {corrected: {'my-op:read': s}, uncorrected: {}})).rejects.toThrow(/not usable as a file name/)
  })
})
