// countCommands sees every command a client sends, however it is issued: Redis' own count of the
// same client's commands (no scripts, so none run inside Redis) is the reference.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {connectRedis, countCommands} from '../../src/util/redis-client.js'
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
