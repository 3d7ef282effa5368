// ensureReachable against a server that accepts the connection and never answers: it waited
// forever, and with it `cmm run workload --redis`, `cmm node`, `cmm chaos` and `cmm clean`.
import {createServer, type Socket} from 'node:net'
import {once} from 'node:events'
import {describe, expect, it} from 'vitest'
import {connectRedis, ensureReachable} from '../../src/util/redis-client.js'

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
