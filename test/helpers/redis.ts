// Private redis-servers for tests: one per test file, never the shared one on 6379.
import {Redis} from 'ioredis'
import {startRedisServer, type RedisServer} from '../../src/redis/server.js'

export interface TestRedis {
  server: RedisServer
  redis: Redis
}

export async function startTestRedis(): Promise<TestRedis> {
  const server = await startRedisServer()
  const redis = new Redis(server.url, {maxRetriesPerRequest: 1})
  redis.on('error', () => {})
  return {server, redis}
}

export async function stopTestRedis(t: TestRedis | undefined): Promise<void> {
  if (!t) return
  t.redis.disconnect()
  await t.server.stop()
}

/** Total commands Redis has executed (INFO commandstats), minus the INFO calls themselves. */
export async function commandCount(redis: Redis): Promise<number> {
  const info = await redis.info('commandstats')
  let total = 0
  for (const m of info.matchAll(/^cmdstat_(\w+(?:\|\w+)?):calls=(\d+)/gm)) if (m[1] !== 'info') total += Number(m[2])
  return total
}

export async function commandStats(redis: Redis): Promise<Record<string, number>> {
  const info = await redis.info('commandstats')
  const out: Record<string, number> = {}
  for (const m of info.matchAll(/^cmdstat_(\S+?):calls=(\d+)/gm)) out[m[1]!] = Number(m[2])
  return out
}
