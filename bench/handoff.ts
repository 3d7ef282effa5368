// Figure 4: two nodes write one page in strict alternation, so every write moves EX and the
// dirty page: request -> callback -> write-back + ack -> grant. The runtimes are real (same code,
// scripts and streams as node processes) but driven from this process, because only a driver
// that waits for one write before issuing the other gives strict alternation; free-running
// processes (figure 7, pingpong) let a holder write many times per handoff.
import {encodeStamp} from '../src/protocol/page-data.js'
import {startCluster} from '../src/node/local-cluster.js'
import {parseScriptStats} from '../src/records/resources.js'
import {nowUsFine, percentile, round, yieldToLoop, type BenchContext, type BenchRow, BENCH_SETTINGS} from './figure.js'

const HANDOFFS = 3000

/** EVALSHA and EVAL together (a script's first call on a connection goes as EVAL). */
function scriptStat(info: string): {calls: number; usec: number} {
  return parseScriptStats(info) ?? {calls: 0, usec: 0}
}

export async function benchHandoff(ctx: BenchContext): Promise<BenchRow[]> {
  const figure = '4 contended handoff'
  const cluster = await startCluster(ctx.redisUrl, 2, BENCH_SETTINGS)
  try {
    const page = {file: 'h', page: 0}
    const data = [encodeStamp('n0:1', BENCH_SETTINGS.pageSize), encodeStamp('n1:1', BENCH_SETTINGS.pageSize)]
    await cluster.nodes[0]!.runtime.access(page, 'write', data[0]!)
    for (let i = 0; i < 100; i++) await cluster.nodes[(i + 1) & 1]!.runtime.access(page, 'write', data[(i + 1) & 1]!) // warm-up
    const trips = cluster.nodes.reduce((s, n) => s + n.counters.redisRoundTrips, 0)
    const faultsBefore = cluster.nodes.reduce((s, n) => s + n.counters.faults['after-callback'], 0)
    const handoffs: number[] = []
    const pings: number[] = []
    // The manager's decisions on the handoffs' path (the acquire that queues and sends the callback,
    // the demote that takes the write-back and sends the grant): Redis' own time in them.
    const scriptsBefore = scriptStat(await ctx.redis.info('commandstats'))
    for (let i = 0; i < HANDOFFS; i++) {
      // Interleaved PING: the baseline sees the same machine as the handoffs.
      let t = nowUsFine()
      await ctx.redis.ping()
      pings.push(nowUsFine() - t)
      const k = (i + 1) & 1
      t = nowUsFine()
      await cluster.nodes[k]!.runtime.access(page, 'write', data[k]!)
      handoffs.push(nowUsFine() - t)
      if ((i & 255) === 0) await yieldToLoop()
    }
    const scriptsAfter = scriptStat(await ctx.redis.info('commandstats'))
    const scriptCalls = scriptsAfter.calls - scriptsBefore.calls
    const inRedisPerHandoff = (scriptsAfter.usec - scriptsBefore.usec) / HANDOFFS
    const total = handoffs.reduce((s, x) => s + x, 0)
    const faults = cluster.nodes.reduce((s, n) => s + n.counters.faults['after-callback'], 0) - faultsBefore
    const perHandoff = (cluster.nodes.reduce((s, n) => s + n.counters.redisRoundTrips, 0) - trips) / HANDOFFS
    const p50 = percentile(handoffs, 50)
    const ping = percentile(pings, 50)
    return [
      {figure, metric: 'handoffs per second (back to back)', value: Math.round(HANDOFFS / (total / 1e6)), unit: 'handoffs/s'},
      {figure, metric: 'writes that waited for a callback', value: faults, unit: `of ${HANDOFFS}`},
      {figure, metric: 'round trips per handoff (both nodes)', value: round(perHandoff, 3), unit: 'round trips'},
      {figure, metric: 'handoff latency p50', value: round(p50, 1), unit: 'µs', ratio: round(p50 / ping), vs: `PING p50 (${round(ping, 1)} µs)`, target: '<= 4', met: p50 / ping <= 4},
      {figure, metric: 'handoff latency p99', value: round(percentile(handoffs, 99), 1), unit: 'µs'},
      {figure, metric: 'in Redis: the manager scripts of one handoff (acquire + demote), mean', value: round(inRedisPerHandoff, 1), unit: `µs (commandstats; ${round(scriptCalls / HANDOFFS, 2)} calls per handoff)`, ratio: round(inRedisPerHandoff / ping), vs: `PING p50 (${round(ping, 1)} µs)`},
    ]
  } finally {
    await cluster.close()
  }
}
