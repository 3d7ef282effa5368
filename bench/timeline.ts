// `cmm report timeline` on a 40,000-op run (4 nodes x 10,000 ops, zipf over 64 pages, with
// copies): wall time to load the records, choose units and window, and write the page, and the
// page's size. Baseline of the same run: loading the records alone (the page's build cost is the
// ratio over it). Targets: under 5 s, under 4 MB. Run alone: `node dist/bench/timeline.js`.
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readdirSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {pathToFileURL} from 'node:url'
import {reportTimeline} from '../src/report/timeline/report.js'
import {loadRunRecords} from '../src/report/timeline/records.js'
import {round, type BenchContext, type BenchRow} from './figure.js'

const ROOT = resolve(import.meta.dirname, import.meta.dirname.endsWith('/dist/bench') ? '../..' : '..')
const FIGURE = '8 overhead: timeline page'
export const TIMELINE_OPS = 40_000

const WORKLOAD = `version: 1
name: timeline-bench
description: 4 nodes x 10000 ops, zipf over 64 pages
cluster: {nodes: 4, granularity: page, states: shared, pageSize: 256}
files: {a: {pages: 64}}
nodes:
  all:
    - mix: {ops: 10000, read: 70, write: 30, pages: zipf, files: [a]}
`

export async function benchTimeline(ctx?: BenchContext): Promise<BenchRow[]> {
  const dir = ctx?.tmpDir ?? mkdtempSync(join(tmpdir(), 'cmm-bench-timeline-'))
  const file = join(dir, 'timeline-bench.yaml')
  writeFileSync(file, WORKLOAD)
  const out = join(dir, 'timeline-runs')
  const redis = ctx ? ['--redis', ctx.redisUrl] : []
  const run = spawnSync(process.execPath, [join(ROOT, 'bin/run.js'), 'run', 'workload', file, '--out', out, '--no-tui', '--seed', '1', ...redis], {encoding: 'utf8', timeout: 300_000})
  if (run.status !== 0) throw new Error(`the 40,000-op run failed (${run.status}): ${run.stderr}${run.stdout.slice(-2000)}`)
  const id = readdirSync(out)[0]!
  const runDir = join(out, id)
  let t = performance.now()
  const records = await loadRunRecords(runDir)
  const loadSeconds = (performance.now() - t) / 1000
  t = performance.now()
  const page = await reportTimeline({run: runDir, resultsDir: out, out: join(dir, 'timeline.html')})
  const seconds = (performance.now() - t) / 1000
  const mb = statSync(page.file).size / 1e6
  const ops = records.history.filter((e) => e.type !== 'invoke').length
  if (ops < TIMELINE_OPS) throw new Error(`expected ${TIMELINE_OPS} ops, the run has ${ops}`)
  return [
    {figure: FIGURE, metric: `cmm report timeline, ${ops}-op run (${page.items} bars)`, value: round(seconds, 2), unit: 's', ratio: round(seconds / loadSeconds, 2), vs: `loading its records (${round(loadSeconds, 2)} s)`, target: '< 5 s', met: seconds < 5},
    {figure: FIGURE, metric: 'timeline page size', value: round(mb, 2), unit: 'MB', target: '< 4 MB', met: mb < 4},
  ]
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const row of await benchTimeline()) console.log(JSON.stringify(row))
}
