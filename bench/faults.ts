// Figures 2 and 3: a fault served from the node's cache (no Redis at all), and a first-touch
// fault (one acquire, granted in its reply: one round trip), on real runtimes in this process.
import {runWorker} from '../src/node/worker.js'
import {LatencyRecorder} from '../src/metrics/recorder.js'
import {decodeHistogram, encodeCounts, percentiles} from '../src/metrics/histogram.js'
import {encodeStamp} from '../src/protocol/page-data.js'
import type {OpStream} from '../src/workload/types.js'
import {nowUs} from '../src/util/clock.js'
import {trivialScript} from './baselines.js'
import {startCluster} from '../src/node/local-cluster.js'
import {commandCalls, nowUsFine, percentile, round, yieldToLoop, type BenchContext, type BenchRow, BENCH_SETTINGS} from './figure.js'

const HITS = 50_000
const FIRST_TOUCHES = 3000

export async function benchCachedFault(ctx: BenchContext): Promise<BenchRow[]> {
  const figure = '2 cached fault'
  const cluster = await startCluster(ctx.redisUrl, 1, BENCH_SETTINGS)
  try {
    const {runtime, counters} = cluster.nodes[0]!
    const page = {file: 'a', page: 0}
    await runtime.access(page, 'write', encodeStamp('n0:0', BENCH_SETTINGS.pageSize))
    const before = await ctx.redis.info('commandstats')
    const trips = counters.redisRoundTrips
    // 1. The runtime alone: access() on a mapped page, resolved without leaving the process.
    const reads: number[] = []
    const writes: number[] = []
    const data = encodeStamp('n0:1', BENCH_SETTINGS.pageSize)
    for (let i = 0; i < HITS; i++) {
      const write = (i & 3) === 0
      const t = nowUsFine()
      await runtime.access(page, write ? 'write' : 'read', write ? data : null)
      ;(write ? writes : reads).push(nowUsFine() - t)
      if ((i & 1023) === 0) await yieldToLoop()
    }
    // 2. The same hits through the workload player: history entries, stamps, histogram.
    const recorder = new LatencyRecorder()
    let left = HITS
    const stream: OpStream = {total: HITS, next: () => (left-- > 0 ? {op: (left & 3) === 0 ? {f: 'write', page} : {f: 'read', page}, intendedUs: null} : null)}
    const history: unknown[] = []
    const t0 = nowUs()
    await runWorker({
      node: 0, settings: BENCH_SETTINGS, runtime, stream, recorder, counters, clock: nowUs, startUs: t0,
      onHistory: (e) => history.push(e), shouldStop: () => false,
    })
    const workerSeconds = (nowUs() - t0) / 1e6
    const hit = percentiles(decodeHistogram(encodeCounts(recorder.snapshot()).corrected['fault:hit'] ?? ''))
    const after = await ctx.redis.info('commandstats')
    const redisCalls = ['evalsha', 'eval', 'hgetall'].reduce((s, c) => s + commandCalls(after, c) - commandCalls(before, c), 0)
    const tripsDuring = counters.redisRoundTrips - trips
    return [
      {figure, metric: 'Redis commands during the hits', value: redisCalls + tripsDuring, unit: 'commands', target: '= 0', met: redisCalls + tripsDuring === 0},
      {figure, metric: 'read hit, runtime.access p50', value: round(percentile(reads, 50)), unit: 'µs'},
      {figure, metric: 'read hit, runtime.access p99', value: round(percentile(reads, 99)), unit: 'µs'},
      {figure, metric: 'write hit, runtime.access p50', value: round(percentile(writes, 50)), unit: 'µs'},
      {figure, metric: 'write hit, runtime.access p99', value: round(percentile(writes, 99)), unit: 'µs'},
      {figure, metric: 'hit in the worker (history, stamp, histogram) p50', value: hit.p50, unit: 'µs'},
      {figure, metric: 'hit in the worker p99', value: hit.p99, unit: 'µs'},
      {figure, metric: 'hits per second, one worker', value: Math.round(HITS / workerSeconds), unit: 'ops/s'},
    ]
  } finally {
    await cluster.close()
  }
}

export async function benchFirstTouch(ctx: BenchContext): Promise<BenchRow[]> {
  const figure = '3 first-touch fault'
  const cluster = await startCluster(ctx.redisUrl, 1, BENCH_SETTINGS)
  const sha = await trivialScript(ctx.redis)
  try {
    const {runtime, counters} = cluster.nodes[0]!
    const faults: number[] = []
    const evalsha: number[] = []
    const trips = counters.redisRoundTrips
    for (let i = 0; i < FIRST_TOUCHES; i++) {
      // Interleaved with its baseline, on the runtime's own connection's neighbour: same noise.
      let t = nowUsFine()
      await ctx.redis.evalsha(sha, 0)
      evalsha.push(nowUsFine() - t)
      t = nowUsFine()
      await runtime.access({file: `f${i >> 10}`, page: i & 1023}, 'read', null)
      faults.push(nowUsFine() - t)
    }
    const perFault = (counters.redisRoundTrips - trips) / FIRST_TOUCHES
    const p50 = percentile(faults, 50)
    const base = percentile(evalsha, 50)
    return [
      {figure, metric: 'round trips per first-touch fault', value: round(perFault, 3), unit: 'round trips'},
      {figure, metric: 'first-touch fault p50', value: round(p50, 1), unit: 'µs', ratio: round(p50 / base), vs: `EVALSHA p50 (${round(base, 1)} µs)`, target: '<= 1.5', met: p50 / base <= 1.5},
      {figure, metric: 'first-touch fault p99', value: round(percentile(faults, 99), 1), unit: 'µs'},
    ]
  } finally {
    await cluster.close()
  }
}
