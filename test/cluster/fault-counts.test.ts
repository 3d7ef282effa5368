// One source of fault counts (issue 15): with copies (several page accesses per op) and kills
// (one node killed and restarted, one killed for good), the summary's fault counts equal the
// histograms' counts, merged and per node, and a killed node's histograms are shown under --node.
import {readFileSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {runCli, tempDir, writeTemp} from '../helpers/cli.js'

// Kills land after the nodes' first progress report (sent every second): node 2's histograms
// exist only in its progress reports, it never says done.
const COPIES_AND_KILLS = `
name: copies-and-kills
description: copies while node 1 is killed and restarted and node 2 is killed for good
cluster: {nodes: 3, granularity: page, states: shared, pageSize: 256}
files: {a: {pages: 8}, b: {pages: 8}}
nodes:
  all:
    - mix: {duration: 2500ms, rate: 100, read: 40, write: 30, copy: 30, files: [a, b]}
chaos:
  - {at: 1300ms, kill: 1, restart: 200ms}
  - {at: 1500ms, kill: 2}
`

const FAULT_CLASSES = ['hit', 'cached-lock', 'acquired', 'upgrade', 'after-callback'] as const

interface HistogramGroup {
  group: string
  histograms: {key: string; corrected: boolean; count: number}[]
}

async function histogramCounts(run: string, results: string, node?: number): Promise<Record<string, number>> {
  const res = await runCli(['report', 'histograms', run, '--results', results, '--json', ...(node === undefined ? [] : ['--node', String(node)])])
  expect(res.stderr).toBe('')
  expect(res.code).toBe(0)
  const [group] = JSON.parse(res.stdout) as HistogramGroup[]
  return Object.fromEntries(group!.histograms.filter((h) => h.corrected).map((h) => [h.key, h.count]))
}

describe('fault counts with copies and kills', () => {
  it('the summary\'s fault counts equal the histograms\' counts, merged and per node; a killed node\'s histograms are under --node', async () => {
    const dir = tempDir()
    const results = join(dir, 'results')
    const res = await runCli(['run', 'workload', writeTemp(dir, 'ck.yaml', COPIES_AND_KILLS), '--results', results, '--seed', '3', '--no-tui', '--lease-ttl', '500ms'])
    expect(res.stderr).toBe('')
    const [run] = readdirSync(results).filter((d) => !d.startsWith('.'))
    const summary = JSON.parse(readFileSync(join(results, run!, 'run.json'), 'utf8'))
    expect(summary.faults).toMatchObject({kills: 2, restarts: 1})
    expect(summary.counters.requests.acquire).toBeGreaterThan(0)
    // Copies touch several pages per op: more page accesses than read/write ops.
    const merged = await histogramCounts(run!, results)
    const accesses = FAULT_CLASSES.reduce((sum, f) => sum + summary.counters.faults[f], 0)
    expect(accesses).toBeGreaterThan((merged['op:read'] ?? 0) + (merged['op:write'] ?? 0))
    for (const f of FAULT_CLASSES) expect([f, merged[`fault:${f}`] ?? 0]).toEqual([f, summary.counters.faults[f]])
    expect(summary.nodes.map((n: {incarnations: number; unfinished: number}) => [n.incarnations, n.unfinished])).toEqual([[1, 0], [2, 1], [1, 1]])
    for (const n of summary.nodes as {node: number; ops: number; counters: {faults: Record<string, number>}}[]) {
      const counts = await histogramCounts(run!, results, n.node) // node 2 (killed, never restarted) included
      for (const f of FAULT_CLASSES) expect([n.node, f, counts[`fault:${f}`] ?? 0]).toEqual([n.node, f, n.counters.faults[f]])
      const ops = (counts['op:read'] ?? 0) + (counts['op:write'] ?? 0) + (counts['op:copy'] ?? 0)
      expect([n.node, ops]).toEqual([n.node, n.ops])
    }
    // The text summary: per node, with the restart said.
    expect(res.stdout).toMatch(/node 1: \d+ ops; 2 incarnations; 1 killed or cut off/)
    expect(res.stdout).toContain('a restarted node replays its whole script')
    const faultsLine = res.stdout.split('\n').find((l) => l.startsWith('faults: '))
    expect(faultsLine).toContain(`hit ${summary.counters.faults.hit}, cached-lock ${summary.counters.faults['cached-lock']}`)
  }, 60_000)
})
