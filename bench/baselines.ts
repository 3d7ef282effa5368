// Figure 1: what one Redis round trip costs on this machine, from a client in this process:
// PING, and EVALSHA of a trivial script (the floor under every manager request), and the CPU
// the client process spends per round trip.
import type {Redis} from 'ioredis'
import {percentile, nowUsFine, round, type Baselines, type BenchRow} from './figure.js'

const SAMPLES = 4000

/** One timed call of each, interleaved so both see the same machine noise. */
export async function measureBaselines(redis: Redis, samples = SAMPLES): Promise<Baselines> {
  const sha = (await redis.script('LOAD', 'return 1')) as string
  for (let i = 0; i < 200; i++) await Promise.all([redis.ping(), redis.evalsha(sha, 0)]) // warm-up
  const ping: number[] = []
  const evalsha: number[] = []
  const cpuBefore = process.cpuUsage()
  for (let i = 0; i < samples; i++) {
    let t = nowUsFine()
    await redis.ping()
    ping.push(nowUsFine() - t)
    t = nowUsFine()
    await redis.evalsha(sha, 0)
    evalsha.push(nowUsFine() - t)
  }
  const cpu = process.cpuUsage(cpuBefore)
  return {
    clientCpuUsPerCall: (cpu.user + cpu.system) / (2 * samples),
    pingP50: percentile(ping, 50), pingP99: percentile(ping, 99),
    evalshaP50: percentile(evalsha, 50), evalshaP99: percentile(evalsha, 99),
  }
}

export function baselineRows(b: Baselines): BenchRow[] {
  const figure = '1 baselines'
  return [
    {figure, metric: 'PING round trip p50', value: round(b.pingP50, 1), unit: 'µs'},
    {figure, metric: 'PING round trip p99', value: round(b.pingP99, 1), unit: 'µs'},
    {figure, metric: 'EVALSHA (return 1) p50', value: round(b.evalshaP50, 1), unit: 'µs'},
    {figure, metric: 'EVALSHA (return 1) p99', value: round(b.evalshaP99, 1), unit: 'µs'},
    // What a process pays for each round trip it waits on (write, sleep, wake, read) on this machine:
    // the floor under every event of a node and every command of the lock library's clients.
    {figure, metric: 'client CPU per round trip (this process, user + system)', value: round(b.clientCpuUsPerCall, 1), unit: 'µs'},
  ]
}

/** A trivial script's SHA, for figures that interleave their own baseline samples. */
export async function trivialScript(redis: Redis): Promise<string> {
  return (await redis.script('LOAD', 'return 1')) as string
}
