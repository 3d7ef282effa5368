// countCommands sees every command a client sends, however it is issued: Redis' own count of the
// same client's commands (no scripts, so none run inside Redis) is the reference. ensureReachable
// against a server that accepts the connection and never answers: it waited forever, and with it
// `cmm run workload --redis`, `cmm node`, `cmm chaos` and `cmm clean`.
import {createServer, type Socket} from 'node:net'
import {once} from 'node:events'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {connectRedis, countCommands, ensureReachable} from '../../src/util/redis-client.js'
import {commandCount, startTestRedis, stopTestRedis, type TestRedis} from '../helpers/redis.js'

let t: TestRedis | undefined
beforeAll(async () => {
  t = await startTestRedis()
})
afterAll(() => stopTestRedis(t))

describe('countCommands', () => {
  it('counts single commands, a pipeline\'s and a transaction\'s, as Redis does', async () => {
    const client = connectRedis(t!.server.url, 'count-test')
    try {
      await client.ping() // connected before counting: the handshake is not the caller's
      let counted = 0
      countCommands(client, () => counted++)
      const before = await commandCount(t!.redis)
      await client.set('k', '1')
      await client.get('k')
      await client.pipeline().incr('k').incr('k').get('k').exec()
      await client.multi().incr('k').get('k').exec()
      const seen = (await commandCount(t!.redis)) - before
      expect(counted).toBe(9) // 2 + 3 + MULTI, 2, EXEC
      expect(seen).toBe(counted)
    } finally {
      client.disconnect()
    }
  })
})

describe('ensureReachable', () => {
  it('fails, naming the address, when the server accepts and stays silent', async () => {
    const sockets: Socket[] = []
    const server = createServer((socket) => sockets.push(socket)).listen(0, '127.0.0.1')
    await once(server, 'listening')
    const {port} = server.address() as {port: number}
    const url = `redis://127.0.0.1:${port}`
    const redis = connectRedis(url, 'cmm-test')
    try {
      await expect(ensureReachable(redis, url, 300)).rejects.toThrow(`cannot reach Redis at ${url}: no answer to PING within 0.3s`)
      expect(sockets.length).toBeGreaterThan(0) // it did connect: the silence is what failed
    } finally {
      redis.disconnect()
      for (const s of sockets) s.destroy()
      server.close()
    }
  }, 15_000)
})
