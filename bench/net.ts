// Figure 8, fault proxy (issue 14): what the network fault layer costs a run when it is in the
// path but injects nothing. A PING round trip through a node's proxy against one straight to
// Redis, and the same contended mix run directly and through the proxies (--network-faults),
// alternated so that machine load drifts into both sides alike.
import {Redis} from 'ioredis'
import {NetworkFaults} from '../src/net/faults.js'
import {runMix, type MixSpec} from './mix-runs.js'
import {nowUsFine, percentile, round, type BenchContext, type BenchRow} from './figure.js'

const PINGS = 3000
const MIX: MixSpec = {nodes: 2, read: 60, write: 40, files: {a: 16}, pages: 'zipf', seconds: 3}
const ROUNDS = 2

async function pingP50(url: string): Promise<number> {
  const client = new Redis(url, {maxRetriesPerRequest: 1})
  client.on('error', () => {})
  try {
    await client.ping()
    const samples: number[] = []
    for (let i = 0; i < PINGS; i++) {
      const t = nowUsFine()
      await client.ping()
      samples.push(nowUsFine() - t)
    }
    return percentile(samples, 50)
  } finally {
    client.disconnect()
  }
}

export async function benchFaultProxy(ctx: BenchContext): Promise<BenchRow[]> {
  const figure = '8 overhead: fault proxy'
  const net = await NetworkFaults.start(1, ctx.redisUrl)
  let direct: number
  let proxied: number
  try {
    direct = await pingP50(ctx.redisUrl)
    proxied = await pingP50(net.urlOf(0))
  } finally {
    await net.close()
  }
  let directOps = 0
  let proxiedOps = 0
  let directAcq = 0
  let proxiedAcq = 0
  for (let r = 0; r < ROUNDS; r++) {
    const d = await runMix(ctx, MIX, 7 + r, false)
    const p = await runMix(ctx, MIX, 7 + r, true)
    directOps += d.opsPerSec / ROUNDS
    proxiedOps += p.opsPerSec / ROUNDS
    directAcq += d.latency('fault:acquired').p50 / ROUNDS
    proxiedAcq += p.latency('fault:acquired').p50 / ROUNDS
  }
  return [
    {figure, metric: 'PING through a proxy p50', value: round(proxied), unit: 'µs', ratio: round(proxied / direct), vs: `direct PING p50 (${round(direct)} µs)`},
    {figure, metric: 'contended mix (2 nodes, 60/40, 16 pages) through proxies', value: Math.round(proxiedOps), unit: 'ops/s', ratio: round(proxiedOps / directOps), vs: `direct (${Math.round(directOps)} ops/s)`, target: '>= 0.7', met: proxiedOps / directOps >= 0.7},
    {figure, metric: 'acquired fault p50 through proxies', value: round(proxiedAcq), unit: 'µs', ratio: round(proxiedAcq / Math.max(1, directAcq)), vs: `direct (${round(directAcq)} µs)`},
  ]
}
