// One place that decides how cmm's Redis clients behave when Redis is slow or gone: a bounded
// number of reconnect attempts and per-command retries, so no process waits forever.
import {Redis} from 'ioredis'

export function connectRedis(url: string, name: string): Redis {
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
