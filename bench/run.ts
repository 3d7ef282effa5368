// `npm run bench`: every figure of BENCHMARKS.md, against one private redis-server, in one run.
// A figure is one entry in FIGURES (module + exported function); an entry whose module is not
// there (another issue's bench not merged yet) is listed as skipped, one that throws as failed.
// Results: the table on stdout, results/bench-DATE.json, the generated part of BENCHMARKS.md.
// `npm run bench -- --only 4,5` runs the baselines and the figures whose name starts with 4 or 5.
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {startRedisServer} from '../src/redis/server.js'
import {connectRedis} from '../src/util/redis-client.js'
import {baselineRows, measureBaselines} from './baselines.js'
import {round, type BenchContext, type BenchRow} from './figure.js'
import {describeMachine, formatTable, stamp, updateBenchmarksMd, writeJson} from './report.js'

interface Entry {
  readonly figure: string
  /** Relative to this file, as compiled (.js). */
  readonly module: string
  readonly export: string
  /** Other issues' benches take no arguments (or their own optional ones): called with none. */
  readonly external?: true
  /** Runs even past BUDGET_SECONDS. */
  readonly always?: true
}

const FIGURES: readonly Entry[] = [
  {figure: '2 cached fault', module: './faults.js', export: 'benchCachedFault'},
  {figure: '3 first-touch fault', module: './faults.js', export: 'benchFirstTouch'},
  {figure: '4 contended handoff', module: './handoff.js', export: 'benchHandoff'},
  {figure: '4 critical path of a handoff between node processes', module: './critical-path.js', export: 'benchCriticalPath'},
  {figure: '4 delivery floor (no cmm code)', module: './delivery.js', export: 'benchDelivery'},
  {figure: '5 throughput and scaling', module: './throughput.js', export: 'benchScaling'},
  {figure: '6 against a Redis lock library', module: './alternative.js', export: 'benchAlternative'},
  {figure: '7 proposal questions', module: './proposal.js', export: 'benchProposal'},
  {figure: '8 overhead: manager script in Redis', module: './lua-time.js', export: 'benchLuaTime'},
  {figure: '8 overhead: fault proxy', module: './net.js', export: 'benchFaultProxy'},
  {figure: '8 overhead: histogram record', module: './histograms.js', export: 'benchHistograms', external: true},
  {figure: '8 overhead: history checker', module: './check-history.js', export: 'benchCheckHistory', external: true},
  {figure: '8 overhead: run checkers', module: './checkers.js', export: 'benchRunCheckers', external: true},
  {figure: '8 overhead: live view', module: './tui.js', export: 'benchTui', external: true},
  {figure: '8 overhead: workload parse', module: './workload-parse.js', export: 'benchWorkloadParse'},
  {figure: '8 overhead: orchestrator memory', module: './orchestrator-memory.js', export: 'benchOrchestratorMemory'},
  {figure: '8 overhead: simulator', module: './model.js', export: 'benchModel', external: true},
  {figure: '8 overhead: timeline page', module: './timeline.js', export: 'benchTimeline'},
  {figure: '9 CLI start-up', module: './startup.js', export: 'benchStartup'},
  // Minutes, not seconds (its targets are 5, 60 and 120 s searches): it runs whatever time the
  // others took (`--only 10` runs it alone).
  {figure: '10 model checker at scale', module: './model-scale.js', export: 'benchModelScale', external: true, always: true},
]

/** No figure starts after this much time (tsc runs before; each figure takes < 80 s; figure 6 alone ~60 s with its three pairs per mix). */
const BUDGET_SECONDS = 420

type BenchFn = (ctx?: BenchContext) => Promise<unknown>
type Loaded = {type: 'fn'; fn: BenchFn} | {type: 'missing'; why: string}

async function load(entry: Entry): Promise<Loaded> {
  let mod: Record<string, unknown>
  try {
    mod = (await import(entry.module)) as Record<string, unknown>
  } catch (error) {
    const code = (error as {code?: string}).code
    if (code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(entry.module.slice(2))) return {type: 'missing', why: `${entry.module} not present`}
    throw error
  }
  const fn = mod[entry.export]
  if (typeof fn !== 'function') return {type: 'missing', why: `${entry.module} has no ${entry.export}()`}
  return {type: 'fn', fn: fn as BenchFn}
}

function isBenchRow(x: unknown): x is BenchRow {
  return typeof x === 'object' && x !== null && 'figure' in x && 'metric' in x && 'value' in x
}

// Other issues' benches return their own shapes: {rows: [{name, ..., opsPerSec}]} or {key: number}.
const PREFERRED = ['opsPerSec', 'perSec', 'nsPerOp', 'nsPerRecord', 'msPerOp', 'seconds']
const UNITS: Record<string, string> = {opsPerSec: 'ops/s', perSec: '/s', nsPerOp: 'ns/op', nsPerRecord: 'ns/record', msPerOp: 'ms/op', seconds: 's'}

function toRows(figure: string, result: unknown): BenchRow[] {
  if (Array.isArray(result) && result.every(isBenchRow)) return result
  const obj = (result ?? {}) as Record<string, unknown>
  if (Array.isArray(obj.rows)) {
    return obj.rows.map((r: Record<string, unknown>) => {
      const metric = String(r.name ?? r.metric ?? Object.values(r).find((v) => typeof v === 'string') ?? '?')
      const key = PREFERRED.find((k) => typeof r[k] === 'number') ?? Object.keys(r).find((k) => typeof r[k] === 'number')
      return {figure, metric, value: key === undefined ? Number.NaN : (r[key] as number), unit: key === undefined ? '?' : (UNITS[key] ?? key)}
    })
  }
  return Object.entries(obj).filter(([, v]) => typeof v === 'number').map(([k, v]) => ({figure, metric: k, value: v as number, unit: UNITS[k] ?? k}))
}

async function main(): Promise<void> {
  const only = process.argv.includes('--only') ? (process.argv[process.argv.indexOf('--only') + 1] ?? '').split(',') : null
  const began = performance.now()
  const when = stamp()
  const loadAtStart = describeMachine().load
  // Over a Unix socket, as `cmm run workload` uses its private Redis when every node is local.
  const server = await startRedisServer({unixSocket: true})
  const redis = connectRedis(server.url, 'cmm-bench')
  const tmpDir = mkdtempSync(join(tmpdir(), 'cmm-bench-'))
  const rows: BenchRow[] = []
  const timings: {figure: string; seconds: number; status: string}[] = []
  try {
    await redis.ping()
    const baseline = await measureBaselines(redis)
    rows.push(...baselineRows(baseline))
    const ctx: BenchContext = {redisUrl: server.url, redis, baseline, tmpDir}
    for (const entry of FIGURES) {
      if (only && !only.some((o) => entry.figure.startsWith(o))) continue
      const t = performance.now()
      let status = 'ok'
      const spent = (t - began) / 1000
      try {
        const loaded = await load(entry)
        if (loaded.type === 'missing') {
          status = `skipped: ${loaded.why}`
        } else if (spent > BUDGET_SECONDS && entry.always !== true) {
          // The whole bench must stay under 5 minutes on 2 cores, even on a loaded machine.
          status = `skipped: time budget (${Math.round(spent)} s spent of ${BUDGET_SECONDS} s)`
        } else {
          rows.push(...toRows(entry.figure, await (entry.external ? loaded.fn() : loaded.fn(ctx))))
        }
      } catch (error) {
        status = `failed: ${(error as Error).message.split('\n')[0]}`
        process.exitCode = 1
      }
      const seconds = (performance.now() - t) / 1000
      timings.push({figure: entry.figure, seconds: round(seconds, 1), status})
      process.stderr.write(`[bench] ${entry.figure}: ${status} (${seconds.toFixed(1)} s)\n`)
    }
  } finally {
    redis.disconnect()
    await server.stop()
    rmSync(tmpDir, {recursive: true, force: true})
  }
  const seconds = (performance.now() - began) / 1000
  const machine = describeMachine()
  console.log(formatTable(rows))
  for (const t of timings) if (t.status !== 'ok') console.log(`${t.figure}: ${t.status}`)
  console.log(`\nbench took ${seconds.toFixed(0)} s on ${machine.nproc} CPUs (${machine.cpu}), load ${loadAtStart} at the start, ${machine.load} at the end`)
  const json = writeJson('results', {when, seconds: round(seconds, 1), machine, loadAtStart, timings, rows}, when)
  console.log(`wrote ${json}`)
  if (only === null) {
    updateBenchmarksMd('BENCHMARKS.md', rows, machine, when, seconds, loadAtStart)
    console.log('updated BENCHMARKS.md')
  }
}

await main()
