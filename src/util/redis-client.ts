// One place that decides how cmm's Redis clients behave when Redis is slow or gone: a bounded
// number of reconnect attempts and per-command retries, so no process waits forever.
import {Redis, type RedisOptions} from 'ioredis'
import {hideSecrets, parseSentinelUrl, redactRedisUrl} from './redis-url.js'

export function connectRedis(url: string, name: string): Redis {
  redactRedisUrl(url) // remembers its password, so that no error message shows it
  const common: RedisOptions = {
    connectionName: name,
    lazyConnect: false,
    maxRetriesPerRequest: 3,
    enableOfflineQueue: true,
    retryStrategy: (times) => (times > 30 ? null : Math.min(50 * times, 500)),
  }
  const sentinel = parseSentinelUrl(url)
  // Through Sentinel: ioredis asks for the primary on every (re)connect and checks its ROLE, so
  // after a failover the client lands on the promoted replica.
  const redis = sentinel === null ? new Redis(url, common) : new Redis({...common, sentinels: sentinel.sentinels, name: sentinel.name, sentinelRetryStrategy: (times) => (times > 30 ? null : Math.min(50 * times, 500))})
  // Without a listener ioredis prints every reconnect error; callers learn of failures from commands.
  redis.on('error', () => {})
  return redis
}

/**
 * Calls `count` for every command the client sends (each is one request Redis answers; a
 * pipeline's or transaction's commands one by one), wherever it is issued from.
 */
export function countCommands(redis: Redis, count: () => void): void {
  const send = redis.sendCommand.bind(redis)
  redis.sendCommand = ((...args: Parameters<Redis['sendCommand']>) => {
    count()
    return send(...args)
  }) as Redis['sendCommand']
}

/**
 * How long the first PING may take. A server that accepts the connection and never answers (a
 * hung Redis, another service that stays silent) made it wait forever: the run, `cmm node`,
 * `cmm chaos` and `cmm clean` hung, and a run's first Ctrl-C could not end it. A Redis answers a
 * PING in well under a millisecond, a remote or busy one within a few seconds.
 */
export const REACH_TIMEOUT_MS = 10_000

/** ensureReachable's PING had no answer in time. */
class SilentServerError extends Error {}

/**
 * The first command on a new client: a PING whose failure names the address and the
 * connection's own error ("connect ENOENT /tmp/x.sock"), not ioredis' retry-limit message,
 * and that fails when nothing answers within `timeoutMs`.
 */
export async function ensureReachable(redis: Redis, url: string, timeoutMs: number = REACH_TIMEOUT_MS): Promise<void> {
  let lastError: Error | null = null
  const remember = (error: Error) => (lastError = error)
  redis.on('error', remember)
  let timer: NodeJS.Timeout | undefined
  const silent = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new SilentServerError(`no answer to PING within ${timeoutMs / 1000}s (a Redis that hangs, or another service at that address)`)), timeoutMs)
  })
  try {
    await Promise.race([redis.ping(), silent])
  } catch (error) {
    // A silent server keeps the connection open: close it, or the PING would wait on.
    if (error instanceof SilentServerError) redis.disconnect()
    const cause = error instanceof SilentServerError ? error : (lastError ?? (error as Error))
    throw new Error(`cannot reach Redis at ${redactRedisUrl(url)}: ${hideSecrets(cause.message)}`)
  } finally {
    clearTimeout(timer)
    redis.off('error', remember)
  }
}

/**
 * For a run whose Redis survives a restart or fails over (`--redis-durability` other than
 * `none`, or `--redis-topology sentinel`): commands wait for the reconnection instead of failing
 * after three attempts. Set after ensureReachable, so an unreachable address still fails fast.
 * Still bounded: the retry strategy gives up after 30 attempts (about 14 s).
 */
export function waitAcrossReconnects(redis: Redis): void {
  redis.options.maxRetriesPerRequest = null
}
