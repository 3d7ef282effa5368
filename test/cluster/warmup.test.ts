// `--warmup`: what the nodes start before it is played and checked but timed by no histogram, and
// the counts say exactly how much was left out (histogram samples + untimed = counters).
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {runWorkload} from '../../src/cluster/orchestrator.js'
import {parseWorkload} from '../../src/workload/index.js'
import {decodeHistogram} from '../../src/metrics/histogram.js'
import type {RunCollected} from '../../src/records/run.js'
import {runCli, tempDir, writeTemp} from '../helpers/cli.js'

// Open loop (a fixed rate): the warm-up covers about a third of each node's ops whatever the machine's speed.
const WORKLOAD = `name: warm
description: two nodes contend on two pages at a fixed rate
cluster: { nodes: 2, pageSize: 512 }
files: { a: { pages: 2 } }
nodes:
  all: [ { mix: { duration: 1200ms, rate: 200, read: 60, write: 40, pages: uniform } } ]
`

/** Samples in every node's corrected histograms whose key starts with `prefix`. */
function samples(run: RunCollected, prefix: string): number {
  let n = 0
  for (const node of run.nodes) {
    for (const [key, encoded] of Object.entries(node.histograms?.corrected ?? {})) if (key.startsWith(prefix)) n += decodeHistogram(encoded).totalCount
  }
  return n
}

describe('--warmup', () => {
  it('keeps the ops and accesses started during the warm-up out of the histograms, counts them, and still checks them', async () => {
    const run = await runWorkload({workload: parseWorkload(WORKLOAD, 'warm.yaml'), seed: 3, outDir: tempDir(), warmupMs: 400})
    expect(run.end).toBe('completed')
    expect(run.warmupMs).toBe(400)
    const t = run.totals
    const faults = Object.values(t.faults).reduce((a, b) => a + b, 0)
    // Some of each side, roughly the warm-up's share of the 1.2 s.
    expect(t.untimedOps).toBeGreaterThan(0.15 * t.ops)
    expect(t.untimedOps).toBeLessThan(0.6 * t.ops)
    expect(samples(run, 'op:')).toBe(t.ops - t.opsFailed - t.untimedOps)
    expect(samples(run, 'fault:')).toBe(faults - t.untimedAccesses)
    expect(t.untimedAccesses).toBe(t.untimedOps) // reads and writes: one access per op
    // Still in the history the checkers read: an invoke for every op, timed or not.
    const invokes = readFileSync(join(run.dir, 'history.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"type":"invoke"')).length
    expect(invokes).toBe(t.ops)
  }, 60_000)

  it('without one every op is timed', async () => {
    const run = await runWorkload({workload: parseWorkload(WORKLOAD, 'warm.yaml'), seed: 3, outDir: tempDir()})
    expect(run.warmupMs).toBe(0)
    expect(run.totals.untimedOps).toBe(0)
    expect(samples(run, 'op:')).toBe(run.totals.ops)
  }, 60_000)

  it('cmm run workload --warmup: the summary says what it left out; a bad value is refused naming the flag (exit 2)', async () => {
    const dir = tempDir()
    const file = writeTemp(dir, 'warm.yaml', WORKLOAD)
    const ok = await runCli(['run', 'workload', file, '--warmup', '300ms', '--results', join(dir, 'r'), '--seed', '3', '--no-tui'])
    expect(ok.stderr).toBe('')
    expect(ok.code).toBe(0)
    const untimed = Number(/after a 300ms warm-up: its (\d+) ops checked, not timed/.exec(ok.stdout)?.[1])
    expect(untimed).toBeGreaterThan(0)
    expect(ok.stdout).toMatch(new RegExp(`the fault:\\* histograms count the same accesses, less the warm-up's ${untimed}\\)`))
    // A warm-up longer than the run: nothing timed, and the summary says why instead of an empty table.
    const all = await runCli(['run', 'workload', file, '--warmup', '10s', '--results', join(dir, 'r'), '--seed', '3', '--no-tui'])
    expect(all.code).toBe(0)
    expect(all.stdout).toMatch(/latency: none recorded \(after a 10s warm-up: its \d+ ops checked, not timed\): the warm-up lasted the whole run/)
    for (const [value, message] of [['fast', /--warmup: expected .*found "fast"/], ['2h', /--warmup: at most 1h/], ['5', /--warmup: 5 has no unit/]] as const) {
      const bad = await runCli(['run', 'workload', file, '--warmup', value, '--results', join(dir, 'r')])
      expect(bad.code, value).toBe(2)
      expect(bad.stderr, value).toMatch(message)
    }
  }, 90_000)
})
