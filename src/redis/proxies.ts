// The URLs of a run's fault proxies (issue 14), so that a node started by hand can opt in:
// `cmm node --network-faults` reads its own and connects through it.
import type {Redis} from 'ioredis'
import {keys} from './keys.js'
import {connectRedis, ensureReachable} from '../util/redis-client.js'

export async function publishProxies(redis: Redis, runId: string, urls: readonly string[]): Promise<void> {
  await redis.hset(keys.proxies(runId), ...urls.flatMap((url, node) => [String(node), url]))
}

export async function proxyUrlOf(redis: Redis, runId: string, node: number): Promise<string> {
  const url = await redis.hget(keys.proxies(runId), String(node))
  if (url === null) throw new Error(`run ${runId} has no fault proxy for node ${node} (start it with --network-faults)`)
  return url
}

/** `cmm node --network-faults`: asks the run's Redis for this node's proxy, to connect through it. */
export async function lookUpProxyUrl(redisUrl: string, runId: string, node: number): Promise<string> {
  const redis = connectRedis(redisUrl, `cmm-node-${node}-lookup`)
  try {
    await ensureReachable(redis, redisUrl)
    return await proxyUrlOf(redis, runId, node)
  } finally {
    redis.disconnect()
  }
}
