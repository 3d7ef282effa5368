// `cmm report histograms` on real runs: tables, comparison with ratios, formats, the HTML report
// in headless Chromium, and bad input (exit 2, one line, no stack trace).
import {spawnSync} from 'node:child_process'
import {cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {runCli, tempDir, writeTemp} from '../helpers/cli.js'
import {decodeHistogram} from '../../src/metrics/histogram.js'
import {chromiumPath, CHROMIUM_FLAGS} from '../../bench/chromium.js'

const SMALL = (states: string, rate: string) => `
name: report-${states}
description: small 2-node mix
cluster: { nodes: 2, pageSize: 512, states: ${states} }
files: { a: { pages: 4 } }
nodes:
  all: [ { mix: { ops: 150, ${rate} read: 60, write: 40 } } ]
`

let root = ''
let ids: string[] = []

beforeAll(async () => {
  const dir = tempDir()
  root = join(dir, 'results')
  for (const [states, rate] of [['shared', ''], ['exclusive', 'rate: 400,']] as const) {
    const file = writeTemp(dir, `${states}.yaml`, SMALL(states, rate))
    const res = await runCli(['run', 'workload', file, '--results', root, '--seed', '3', '--no-tui'])
    expect(res.code, res.stderr).toBe(0)
    await new Promise((r) => setTimeout(r, 1100)) // run ids have a one-second resolution
  }
  ids = readdirSync(root).sort()
  expect(ids).toHaveLength(2)
}, 120_000)

const report = (...args: string[]) => runCli(['report', 'histograms', '--results', root, ...args])

describe('cmm report histograms', () => {
  it('prints the latest run by default: a percentile table per op and fault class', async () => {
    const res = await report()
    expect(res.code, res.stderr).toBe(0)
    expect(res.stdout).toContain(`run ${ids[1]} (merged): report-exclusive, 2 nodes`)
    expect(res.stdout).toMatch(/histogram\s+count\s+mean\s+p50\s+p90\s+p99\s+p99\.9\s+max/)
    expect(res.stdout).toMatch(/^op:read\s+\d+\s+[\d.]+ (µs|ms)/m)
    expect(res.stdout).toMatch(/^op:write \(uncorrected\)\s+\d+/m) // open-loop: both histograms
    expect(res.stdout).toMatch(/^fault:acquired\s+\d+/m)
  })

  it('compares two runs side by side with ratios against the first', async () => {
    const res = await report(ids[0]!, join(root, ids[1]!))
    expect(res.code, res.stderr).toBe(0)
    expect(res.stdout).toContain(`[base] run ${ids[0]}`)
    expect(res.stdout).toContain(`[1] run ${ids[1]}`)
    const block = res.stdout.slice(res.stdout.indexOf('\nop:write\n'))
    expect(block).toMatch(new RegExp(`^\\s+\\[base\\] ${ids[0]}\\s+\\d+\\s`, 'm'))
    expect(block).toMatch(/^\s+ratio to base\s+x1\.00(\s+x\d+\.\d\d){6}$/m)
  })

  it('--node K shows one node; csv, json (with HISTF) and hgrm formats', async () => {
    const node = await report(ids[0]!, '--node', '1')
    expect(node.stdout).toContain('(node-1)')
    expect(node.stdout).toMatch(/^op:read\s+\d+/m)

    const csv = await report(ids[0]!, '--format', 'csv')
    const lines = csv.stdout.trim().split('\n')
    expect(lines[0]).toBe('run,group,histogram,corrected,count,mean_us,min_us,p50_us,p90_us,p99_us,p99_9_us,max_us')
    expect(lines.find((l) => l.includes(',op:write,'))).toMatch(new RegExp(`^${ids[0]},merged,op:write,true,\\d+,[\\d.]+(,\\d+){6}$`))

    const json = JSON.parse((await report(ids[0]!, '--format', 'json')).stdout)
    const ops = json[0].histograms.filter((h: {key: string}) => h.key.startsWith('op:'))
    expect(ops.reduce((s: number, h: {count: number}) => s + h.count, 0)).toBe(300) // 2 nodes x 150 ops
    for (const h of ops) expect(decodeHistogram(h.histf).totalCount).toBe(h.count)

    const hgrm = (await report(ids[0]!, '--format', 'hgrm')).stdout
    expect(hgrm).toContain(`# run ${ids[0]} merged op:write`)
    expect(hgrm).toMatch(/Value\s+Percentile\s+TotalCount 1\/\(1-Percentile\)/)
    expect(hgrm).toMatch(/#\[Mean\s+=\s+[\d.]+, StdDeviation/)
    expect(hgrm).toMatch(/#\[Max\s+=\s+[\d.]+, Total count\s+=\s+\d+\]/)
  })

  it('--plot draws latency by percentile in the terminal', async () => {
    const res = await report(ids[0]!, '--plot')
    expect(res.stdout).toMatch(/0%\s+90%\s+99%\s+99\.9%\s+99\.99%\s+99\.999%/)
    expect(res.stdout).toMatch(/latency by percentile \(log scales\); \* op:read, \+ op:write/)
    const plotRows = res.stdout.split('\n').filter((l) => / \|/.test(l))
    expect(plotRows).toHaveLength(16)
    expect(plotRows.join('')).toMatch(/\*/)
  })

  // docs/WORKLOAD-FORMAT.md: the workload's name is printed with control characters escaped, never raw.
  it('prints a workload name with control characters escaped, in the table and the comparison', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cmm-report-name-'))
    const run = join(dir, ids[0]!)
    cpSync(join(root, ids[0]!), run, {recursive: true})
    const summary = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8'))
    summary.workload.name = 'bad\u001b[31mred'
    writeFileSync(join(run, 'run.json'), JSON.stringify(summary))
    for (const argv of [[run], [run, join(root, ids[0]!)], [run, '--plot']]) {
      const r = await runCli(['report', 'histograms', ...argv])
      expect(r.code).toBe(0)
      expect(r.stdout).toContain('bad\\x1b[31mred')
      expect(r.stdout).not.toContain('\u001b[31mred')
    }
  })

  it('refuses bad input with one line and exit 2', async () => {
    const unknown = await report('20990101-000000-dead')
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/^cmm: unknown run 20990101-000000-dead: no folder .*\n$/)

    const broken = mkdtempSync(join(tmpdir(), 'cmm-report-bad-'))
    try {
      // An older format: run.json without "format".
      const old = join(broken, 'old')
      cpSync(join(root, ids[0]!), old, {recursive: true})
      const summary = JSON.parse(readFileSync(join(old, 'run.json'), 'utf8'))
      delete summary.format
      writeFileSync(join(old, 'run.json'), JSON.stringify(summary))
      const r1 = await runCli(['report', 'histograms', old])
      expect(r1.code).toBe(2)
      expect(r1.stderr).toMatch(/^cmm: .*run\.json: no "format" field: a results folder from an older format.*\n$/)

      // A truncated histogram file.
      const trunc = join(broken, 'trunc')
      cpSync(join(root, ids[0]!), trunc, {recursive: true})
      const histf = join(trunc, 'histograms/merged/op-read.histf')
      writeFileSync(histf, readFileSync(histf, 'utf8').slice(0, 30))
      const r2 = await runCli(['report', 'histograms', trunc])
      expect(r2.code).toBe(2)
      expect(r2.stderr).toMatch(/^cmm: .*op-read\.histf: corrupt histogram string.*\(truncated or corrupt file\?\)\n$/)

      // A truncated run.json.
      const half = join(broken, 'half')
      cpSync(join(root, ids[0]!), half, {recursive: true})
      writeFileSync(join(half, 'run.json'), readFileSync(join(half, 'run.json'), 'utf8').slice(0, 100))
      const r3 = await runCli(['report', 'histograms', half])
      expect(r3.code).toBe(2)
      expect(r3.stderr).toMatch(/^cmm: .*run\.json: not valid JSON \(truncated file\?\)\n$/)

      // No node 7 in a 2-node run; no run at all.
      const r4 = await report(ids[0]!, '--node', '7')
      expect(r4.code).toBe(2)
      expect(r4.stderr).toMatch(/no histograms for node 7 \(nodes: 0, 1\)/)
      const r5 = await runCli(['report', 'histograms', '--results', join(broken, 'nothing')])
      expect(r5.code).toBe(2)
      expect(r5.stderr).toMatch(/^cmm: no complete run under /)
      for (const r of [r1, r2, r3, r4, r5]) expect(r.stderr).not.toMatch(/\n\s+at /)
    } finally {
      rmSync(broken, {recursive: true, force: true})
    }
  })

  const chromium = chromiumPath()
  const htmlTest = '--html writes a self-contained report that headless Chromium loads and draws'
  it.skipIf(chromium === null)(chromium === null ? `${htmlTest} [SKIPPED: chromium is not installed; apt-get install chromium]` : htmlTest, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cmm-html-'))
    try {
      const html = join(dir, 'report.html')
      const res = await report(ids[0]!, ids[1]!, '--html', html)
      expect(res.code, res.stderr).toBe(0)
      const text = readFileSync(html, 'utf8')
      expect(text).not.toMatch(/(src|href)=["']?(https?:)?\/\//) // nothing from the network
      expect(text).toContain('Verdicts')
      const dom = spawnSync(chromium!, [...CHROMIUM_FLAGS, `--user-data-dir=${join(dir, 'profile')}`, '--dump-dom', `file://${html}`], {encoding: 'utf8', timeout: 60_000})
      expect(dom.status, dom.stderr).toBe(0)
      const body = /<body[^>]*>/.exec(dom.stdout)?.[0] ?? ''
      expect(body).not.toContain('data-error') // no script error
      expect(body).toContain('data-charts="8"') // percentiles, latency over time x2, throughput, 2 nodes' lanes x2 runs
      expect((dom.stdout.match(/<polyline /g) ?? []).length).toBeGreaterThanOrEqual(5)
      // Runs under 2 s: the over-time charts use finer buckets from history.jsonl, and draw lines, not "no data".
      expect(dom.stdout).toMatch(/Latency over time, all page accesses \(history\.jsonl, \d+ ms buckets/)
      for (const id of ['latency-0', 'latency-1', 'throughput', 'lane-0-0', 'lane-1-1']) {
        const chart = dom.stdout.slice(dom.stdout.indexOf(`id="${id}"`))
        expect(chart.slice(0, chart.indexOf('</svg>')), id).toMatch(/<polyline /)
      }
      // Seed and command, counters and cost, nodes, heat per unit.
      expect(dom.stdout).toMatch(/seed <b>3<\/b>; reproduce: <code class="command">cmm run workload \S+shared\.yaml --results \S+ --no-tui --seed 3<\/code>/)
      expect(dom.stdout).toMatch(/<th>faults \(one per page access\)<\/th><td>hit \d+, cached-lock \d+/)
      expect(dom.stdout).toMatch(/<th>cost<\/th><td>[\d.]+ Redis round trips per fault past the PTE \(\d+: every class but hit\)/)
      expect(dom.stdout.match(/<tr data-unit="a\/\d">/g)).toHaveLength(8) // 4 pages x 2 runs
      expect(existsSync(html)).toBe(true)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})
