// One place that decides how cmm's Redis clients behave when Redis is slow or gone: a bounded
// number of reconnect attempts and per-command retries, so no process waits forever.
import {Redis} from 'ioredis'
import {hideSecrets, redactRedisUrl} from './redis-url.js'

export function connectRedis(url: string, name: string): Redis {
  redactRedisUrl(url) // remembers its password, so that no error message shows it
  const redis = new Redis(url, {
    connectionName: name,
    lazyConnect: false,
    maxRetriesPerRequest: 3,
    enableOfflineQueue: true,
    retryStrategy: (times) => (times > 30 ? null : Math.min(50 * times, 500)),
  })
  // Without a listener ioredis prints every reconnect error; callers learn of failures from commands.
  redis.on('error', () => {})
  return redis
}

/**
 * The first command on a new client: a PING whose failure names the address and the
 * connection's own error ("connect ENOENT /tmp/x.sock"), not ioredis' retry-limit message.
 */
export async function ensureReachable(redis: Redis, url: string): Promise<void> {
  let lastError: Error | null = null
  const remember = (error: Error) => (lastError = error)
  redis.on('error', remember)
  try {
    await redis.ping()
  } catch (error) {
    throw new Error(`cannot reach Redis at ${redactRedisUrl(url)}: ${hideSecrets((lastError ?? (error as Error)).message)}`)
  } finally {
    redis.off('error', remember)
  }
}
