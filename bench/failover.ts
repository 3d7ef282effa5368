// The failover finding of issue 16 (docs/FAILOVER.md), measured: the same workload and failover
// under asynchronous replication (a) and with --redis-wait 1 (b), several rounds each, and the
// latency cost of (b) on a closed-loop mix without faults. Not part of `npm run bench` (minutes of
// Sentinel failovers); run it after a build:
//   node dist/bench/failover.js [--rounds 5] [--lag 20ms] [--out /tmp/failover-bench]
// Prints one line per run and a table per mode; every run folder stays under --out.
import {parseArgs} from 'node:util'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {executeRun} from '../src/cluster/execute.js'
import {parseWorkload} from '../src/workload/index.js'
import {mergedHistograms} from '../src/results/write.js'
import {decodeHistogram, percentiles} from '../src/metrics/histogram.js'
import {parseDurationUs} from '../src/workload/duration.js'

const {values} = parseArgs({options: {rounds: {type: 'string', default: '5'}, lag: {type: 'string', default: '20ms'}, out: {type: 'string'}}})
const rounds = Number(values.rounds)
const lagMs = (parseDurationUs(values.lag!) ?? 20_000) / 1000
const outDir = values.out ?? mkdtempSync(join(tmpdir(), 'cmm-failover-bench-'))

// The workload of test/redis-faults/failover.test.ts, a little longer.
const FAILOVER = `
name: failover-after-grants
description: a contended page changes hands every few ms; the primary dies while the replica lags behind
cluster: { nodes: 3, granularity: page, pageSize: 256 }
files: { a: { pages: 2 } }
nodes:
  all: [ { mix: { duration: 4s, rate: 200, read: 50, write: 50 } } ]
chaos:
  - { at: 1500ms, failover-redis: true }
`
// Closed loop (each node's next op starts when the last ended), no fault: the price of WAIT.
const LATENCY = `
name: wait-latency
description: closed-loop contended mix without faults
cluster: { nodes: 3, granularity: page, pageSize: 256 }
files: { a: { pages: 8 } }
nodes:
  all: [ { mix: { ops: 400, read: 50, write: 50 } } ]
`

const MODES = [{name: '(a) async', wait: 0}, {name: '(b) --redis-wait 1', wait: 1}] as const

async function runOnce(yaml: string, wait: number, lag: number, seed: number) {
  return executeRun({
    workload: parseWorkload(yaml, 'failover-bench.yaml'), seed, outDir, livenessMs: 10_000, leaseTtlMs: 5000,
    redisTopology: 'sentinel', redisReplicaLagMs: lag, redisWait: wait, chaos: parseWorkload(yaml, 'failover-bench.yaml').chaos,
  })
}

console.log(`failover rounds: ${rounds} per mode, replica lag ${lagMs} ms, runs in ${outDir}`)
for (const mode of MODES) {
  let violated = 0
  let lostRuns = 0
  for (let i = 0; i < rounds; i++) {
    const {run, summary} = await runOnce(FAILOVER, mode.wait, lagMs, 100 + i)
    const fault = run.redisFaults?.[0]
    const loss = fault?.loss
    const bad = Object.entries(summary.checks.checks).filter(([, c]) => c.valid === false).map(([name]) => name)
    if (bad.length > 0) violated++
    if (loss && loss.pages.length + loss.units.length > 0) lostRuns++
    console.log(`${mode.name} #${i + 1}: end ${run.end}, promoted after ${fault?.promotedAfterMs ?? '?'} ms, lost ${loss?.pages.length ?? '?'} write-backs and ${loss?.units.length ?? '?'} unit decisions, violated: ${bad.join(', ') || 'none'}  (${run.dir})`)
  }
  console.log(`${mode.name}: ${violated}/${rounds} runs violated a check; ${lostRuns}/${rounds} lost acknowledged state`)
}

for (const lag of [0, lagMs]) {
  for (const mode of MODES) {
    const {run} = await runOnce(LATENCY, mode.wait, lag, 7)
    const merged = mergedHistograms(run)
    const p = (key: string) => {
      const h = merged?.corrected[key]
      return h ? percentiles(decodeHistogram(h)) : null
    }
    const show = (key: string) => {
      const x = p(key)
      return x === null ? `${key} -` : `${key} p50 ${(x.p50 / 1000).toFixed(2)} ms p99 ${(x.p99 / 1000).toFixed(2)} ms`
    }
    console.log(`latency, lag ${lag} ms, ${mode.name}: ${(run.totals.ops / (run.durationMs / 1000)).toFixed(0)} ops/s; ${show('op:write')}; ${show('op:read')}; ${show('fault:acquired')}; ${show('fault:after-callback')}`)
  }
}
