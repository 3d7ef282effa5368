// Node death at the Redis lock manager (issue 4): lease expiry -> reap -> purge -> the waiter
// is granted; the dead node's late write-back is refused (fencing) and it can acquire nothing.
import {Redis} from 'ioredis'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ProtocolError} from '../../src/protocol/manager.js'
import {keys} from '../../src/redis/keys.js'
import {RedisLockManager} from '../../src/redis/lock-manager.js'
import {startRedisServer, type RedisServer} from '../../src/redis/server.js'
import {freshRunId, InboxReader} from './helpers.js'

let server: RedisServer
let redis: Redis

beforeAll(async () => {
  server = await startRedisServer()
  redis = new Redis(server.url, {maxRetriesPerRequest: 1})
})

afterAll(async () => {
  redis?.disconnect()
  await server?.stop()
})

const P0 = {file: 'a', page: 0}

describe('node death at the lock manager', () => {
  it('reaps only an expired lease, purges the EX holder, grants the waiter and fences the dead node', async () => {
    const runId = freshRunId('death')
    const lm = new RedisLockManager(redis, runId)
    const inbox = new InboxReader(redis, runId, [1, 2])
    // A lease far longer than the test: it is expired deliberately below, not by the clock.
    await redis.set(keys.lease(runId, 1), '1', 'PX', 60_000)
    expect(await lm.send({type: 'acquire', node: 1, unit: 'a', mode: 'EX', page: P0, try: false})).toMatchObject({type: 'granted', generation: 1})
    expect(await lm.send({type: 'acquire', node: 2, unit: 'a', mode: 'EX', page: P0, try: false})).toEqual({type: 'queued'})
    await inbox.read()
    expect(await lm.reap(1)).toBeNull() // lease still alive
    await redis.del(keys.lease(runId, 1)) // the lease runs out (what PX expiry does), now
    expect(await redis.exists(keys.lease(runId, 1))).toBe(0)
    expect(await lm.reap(1)).toEqual(['a'])
    expect(await lm.purge(1, 'a')).toEqual({type: 'purged', held: 'EX', waiting: false})
    const grants = await inbox.read()
    expect(grants).toEqual([{to: 2, message: expect.objectContaining({type: 'grant', mode: 'EX', generation: 3})}])
    // The dead node wakes up and writes back under its old hold: refused, the disk unchanged.
    const late = await lm.send({type: 'demote', node: 1, unit: 'a', seq: 1, to: 'UN', generation: 1, writeback: [{page: P0, data: new Uint8Array([7])}]})
    expect(late).toEqual({type: 'stale', rejected: 1})
    expect((await lm.readDiskRecord(P0)).version).toBe(0)
    await expect(lm.send({type: 'acquire', node: 1, unit: 'a', mode: 'SH', page: P0, try: false})).rejects.toBeInstanceOf(ProtocolError)
    expect((await lm.unitState('a')).holders).toEqual([{node: 2, mode: 'EX', seq: 2, callback: 'none'}])
  })
})
