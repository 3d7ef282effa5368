// One place that decides how cmm's Redis clients behave when Redis is slow or gone: a bounded
// number of reconnect attempts and per-command retries, so no process waits forever.
import {Redis} from 'ioredis'

export function connectRedis(url: string, name: string, options: {readonly batchWrites?: boolean} = {}): Redis {
  const redis = new Redis(url, {
    connectionName: name,
    lazyConnect: false,
    maxRetriesPerRequest: 3,
    enableOfflineQueue: true,
    retryStrategy: (times) => (times > 30 ? null : Math.min(50 * times, 500)),
  })
  // Without a listener ioredis prints every reconnect error; callers learn of failures from commands.
  redis.on('error', () => {})
  if (options.batchWrites) redis.on('connect', () => batchWrites(redis.stream))
  return redis
}

/**
 * ioredis writes every command to the socket by itself: one syscall each. Corked until the end of
 * the current tick, the commands issued together (a node's record flush and the demote it
 * precedes) leave in one write, in the order issued, and Redis reads them in one go.
 */
function batchWrites(stream: Redis['stream']): void {
  const socket = stream as unknown as {cork?: () => void; uncork?: () => void; write: (...args: unknown[]) => boolean; writableCorked?: number}
  if (typeof socket.cork !== 'function' || typeof socket.uncork !== 'function') return
  const write = socket.write.bind(socket)
  let corked = false
  const uncork = () => {
    corked = false
    socket.uncork!()
  }
  socket.write = (...args: unknown[]) => {
    if (!corked) {
      corked = true
      socket.cork!()
      process.nextTick(uncork)
    }
    return write(...args)
  }
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
    throw new Error(`cannot reach Redis at ${url}: ${(lastError ?? (error as Error)).message}`)
  } finally {
    redis.off('error', remember)
  }
}
