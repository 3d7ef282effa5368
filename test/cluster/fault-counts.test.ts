// One source of fault counts (issue 15): with copies (several page accesses per op) and kills
// (one node killed and restarted, one killed for good), the summary's fault counts equal the
// histograms' counts, merged and per node, and a killed node's histograms are shown under --node.
// The same run's HTML report labels its fault windows, says the node never restarted, and draws
// a latency lane per node.
import {spawnSync} from 'node:child_process'
import {readFileSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {runCli, tempDir, writeTemp} from '../helpers/cli.js'
import {chromiumPath, CHROMIUM_FLAGS} from '../../bench/chromium.js'

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
    expect(res.stdout).toMatch(/^reproduce: cmm run workload \S+ck\.yaml --results \S+ --no-tui --lease-ttl 500ms --seed 3$/m)
    const chromium = chromiumPath()
    if (chromium === null) return // the HTML half needs Debian's chromium (.ci/run installs it)
    const html = join(dir, 'report.html')
    expect((await runCli(['report', 'histograms', run!, '--results', results, '--html', html])).code).toBe(0)
    const page = spawnSync(chromium, [...CHROMIUM_FLAGS, `--user-data-dir=${join(dir, 'profile')}`, '--dump-dom', `file://${html}`], {encoding: 'utf8', timeout: 60_000})
    expect(page.status, page.stderr).toBe(0)
    expect(page.stdout).not.toMatch(/data-error=/)
    // Labels drawn as text (not only tooltips): the restarted kill's window, the one never restarted, an event marker.
    expect(page.stdout).toMatch(/<text [^>]*class="window-label">killed node 1<\/text>/)
    expect(page.stdout).toMatch(/<text [^>]*class="window-label">killed node 2 \(never restarted: to the end of the run\)<\/text>/)
    expect(page.stdout).toMatch(/<text [^>]*class="marker-label">death-detected node 2<\/text>/)
    for (const node of [0, 1, 2]) expect(page.stdout).toContain(`id="lane-0-${node}"`)
    // Node 2's lane: nothing after its kill (1.5 s), so its line stops there: the buckets after it are gaps, not a line to the end.
    const charts = JSON.parse(/<script type="application\/json" id="chart-data">(.*?)<\/script>/s.exec(readFileSync(html, 'utf8'))![1]!) as {id: string; series: {name: string; points: ([number, number] | null)[]}[]}[]
    const p50 = charts.find((c) => c.id === 'lane-0-2')!.series.find((x) => x.name === 'p50')!.points
    const drawn = p50.filter((p) => p !== null)
    expect(drawn.length).toBeGreaterThan(5)
    expect(Math.max(...drawn.map((p) => p![0]))).toBeLessThan(1.7)
    expect(p50.at(-1)).toBeNull()
  }, 60_000)
})
