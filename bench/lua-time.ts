// Figure 8 (overhead): time spent inside Redis per manager script, from INFO commandstats, next
// to the same for a trivial script: separates the manager's Lua cost from the round trip.
import {Redis} from 'ioredis'
import {RedisLockManager} from '../src/redis/lock-manager.js'
import {pageKey} from '../src/protocol/types.js'
import {trivialScript} from './baselines.js'
import {BENCH_SETTINGS, commandStat, round, type BenchContext, type BenchRow} from './figure.js'

const CYCLES = 5000

/** In-server microseconds per EVALSHA over `calls()`, measured as a commandstats difference. */
async function inServer(ctx: BenchContext, calls: () => Promise<void>): Promise<number> {
  const before = commandStat(await ctx.redis.info('commandstats'), 'evalsha')
  await calls()
  const after = commandStat(await ctx.redis.info('commandstats'), 'evalsha')
  const n = after.calls - before.calls
  if (n < CYCLES) throw new Error(`lua-time: commandstats counted ${n} EVALSHA calls, expected at least ${CYCLES}`)
  return (after.usec - before.usec) / n
}

export async function benchLuaTime(ctx: BenchContext): Promise<BenchRow[]> {
  const figure = '8 overhead: manager script in Redis'
  const client = new Redis(ctx.redisUrl)
  try {
    const manager = new RedisLockManager(client, `bench-lua-${process.pid}`)
    const data = new Uint8Array(BENCH_SETTINGS.pageSize).fill(7)
    // One node, no contention: acquire EX (granted in the reply), demote to UN with a 4 KiB write-back.
    const cycle = async (i: number) => {
      const page = {file: 'a', page: i % 64}
      const unit = pageKey(page)
      const g = await manager.send({type: 'acquire', node: 0, unit, mode: 'EX', page, try: false})
      if (g.type !== 'granted') throw new Error(`lua-time: acquire of a free unit answered ${g.type}`)
      await manager.send({type: 'demote', node: 0, unit, seq: g.seq, to: 'UN', generation: g.generation, writeback: [{page, data}]})
    }
    for (let i = 0; i < 200; i++) await cycle(i)
    const script = await inServer(ctx, async () => {
      for (let i = 0; i < CYCLES; i++) await cycle(i)
    })
    const sha = await trivialScript(client)
    const base = await inServer(ctx, async () => {
      for (let i = 0; i < CYCLES; i++) await client.evalsha(sha, 0)
    })
    return [
      {figure, metric: 'acquire + demote (4 KiB write-back), in Redis per call', value: round(script, 2), unit: 'µs', ratio: round(script / base), vs: `trivial EVALSHA in Redis (${round(base, 2)} µs)`},
    ]
  } finally {
    client.disconnect()
  }
}
