import {Redis} from 'ioredis'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ProtocolError} from '../../src/protocol/manager.js'
import type {ManagerRequest} from '../../src/protocol/types.js'
import {keys} from '../../src/redis/keys.js'
import {historyFields} from '../../src/records/messages.js'
import {RedisLockManager} from '../../src/redis/lock-manager.js'
import type {RedisServer} from '../../src/redis/server.js'
import {startTestRedis, stopTestRedis} from '../helpers/redis.js'
import {freshRunId, MonitorTap, redisDriver} from './helpers.js'
import {acq, cancel, defineScenarios, dem, P0, P1, U, upg, wb} from './scenarios.js'

let server: RedisServer
let redis: Redis

beforeAll(async () => {
  ;({server, redis} = await startTestRedis())
})
afterAll(async () => stopTestRedis({server, redis}))

function allBytes(): Uint8Array {
  const data = new Uint8Array(256)
  for (let i = 0; i < 256; i++) data[i] = i
  return data
}

/** calls per command from INFO commandstats. */
async function commandStats(client: Redis): Promise<Map<string, number>> {
  const info = await client.info('commandstats')
  const stats = new Map<string, number>()
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) stats.set(match[1] ?? '', Number(match[2]))
  return stats
}

function delta(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const d: Record<string, number> = {}
  for (const [cmd, calls] of after) {
    const n = calls - (before.get(cmd) ?? 0)
    if (n > 0 && cmd !== 'info') d[cmd] = n
  }
  return d
}

describe('Redis lock manager: protocol scenarios', () => {
  defineScenarios(async () => redisDriver(redis))
})

describe('Redis lock manager: Redis specifics', () => {
  it('binary page bytes (all 256 values) survive a write-back, a grant message and a grant reply', async () => {
    const d = redisDriver(redis)
    const data = allBytes()
    const reversed = allBytes().reverse()
    await d.send(acq(1, 'EX'))
    const queued = await d.send(acq(2, 'SH'))
    expect(queued.reply).toEqual({type: 'queued'})
    const demoted = await d.send(dem(1, 1, 'SH', 1, [{page: P0, data}, {page: P1, data: reversed}]))
    expect(demoted.reply).toEqual({type: 'demoted', accepted: 2})
    expect(demoted.out).toEqual([{to: 2, message: {type: 'grant', unit: U, mode: 'SH', seq: 2, generation: 1, upgrade: false, page: {page: P0, data, version: 1}}}])
    const fresh = await d.send(acq(3, 'SH', {page: P1}))
    expect(fresh.reply).toEqual({type: 'granted', mode: 'SH', seq: 3, generation: 1, page: {page: P1, data: reversed, version: 1}})
    expect(await d.lm.readDisk(P0)).toEqual({page: P0, data, version: 1})
    expect(await d.disk(P1)).toEqual({page: P1, data: reversed, version: 1, generation: 1})
  })

  it('first touch is exactly one Redis command that returns the page data and version', async () => {
    const client = new Redis(server.url)
    client.on('error', () => undefined)
    const tap = await MonitorTap.start(server.url)
    try {
      const runId = freshRunId('touch')
      const lm = new RedisLockManager(client, runId)
      // A script Redis does not have yet costs an EVALSHA answered NOSCRIPT and an EVAL with
      // the text: warm the script cache on another unit.
      await lm.send(acq(9, 'SH', {unit: 'warm', page: {file: 'warm', page: 0}}))
      const data = allBytes()
      await lm.send(acq(1, 'EX'))
      await lm.send(dem(1, 1, 'UN', 1, [{page: P0, data}]))
      await client.echo('cmm-start')
      await tap.until('cmm-start')

      const before = await commandStats(redis)
      const reply = await lm.send(acq(2, 'SH'))
      const after = await commandStats(redis)
      await client.echo('cmm-end')
      const seen = await tap.until('cmm-end')

      expect(reply).toEqual({type: 'granted', mode: 'SH', seq: 2, generation: 1, page: {page: P0, data, version: 1}})
      const fromClients = seen.filter((s) => s.source !== 'lua' && s.args[0]?.toLowerCase() !== 'info')
      expect(fromClients.map((s) => s.args[0]?.toLowerCase())).toEqual(['evalsha'])
      const d = delta(before, after)
      expect(d.evalsha).toBe(1)
      expect(d.eval).toBeUndefined()
    } finally {
      client.disconnect()
      tap.stop()
    }
  })

  it('costs one EVALSHA per request; the commands each script runs inside are bounded', async () => {
    const d = redisDriver(redis)
    const page = [{page: P0, data: allBytes()}]
    const steps: [string, ManagerRequest][] = [
      ['acquire granted (first touch)', acq(1, 'SH')],
      ['acquire granted (second SH)', acq(2, 'SH')],
      ['acquire queued (2 release callbacks)', acq(3, 'EX')],
      ['acquire busy (try)', acq(4, 'EX', {try: true})],
      ['upgrade refused', upg(1, 1)],
      ['demote UN (no grant)', dem(1, 1, 'UN')],
      ['demote UN (grants the EX waiter)', dem(2, 2, 'UN')],
      ['writeback 1 page', wb(3, 3, 1, page)],
      ['acquire queued (1 downgrade callback)', acq(1, 'SH')],
      ['demote SH + 1 page (grants 1 SH waiter)', dem(3, 3, 'SH', 1, page)],
      ['upgrade queued (1 release callback)', upg(1, 4)],
      ['cancel upgrade', cancel(1)],
      ['cancel not-waiting', cancel(1)],
      ['upgrade refused (release pending)', upg(3, 3)],
      ['demote UN (answers the release)', dem(3, 3, 'UN')],
      ['acquire granted (SH)', acq(2, 'SH')],
      ['upgrade queued (1 release callback)', upg(1, 4)],
      ['demote UN (grants the upgrade)', dem(2, 5, 'UN')],
      ['demote stale', dem(2, 5, 'UN')],
    ]
    const rows: string[] = []
    for (const [label, req] of steps) {
      const before = await commandStats(redis)
      await d.lm.send(req)
      const counts = delta(before, await commandStats(redis))
      const evals = (counts.evalsha ?? 0) + (counts.eval ?? 0)
      expect(evals, label).toBe(1)
      const inner = Object.entries(counts).filter(([cmd]) => cmd !== 'evalsha' && cmd !== 'eval').sort(([a], [b]) => a.localeCompare(b))
      const total = inner.reduce((sum, [, n]) => sum + n, 0)
      // 10 before node loss, which adds the dead-set check (every script) and the touched set (acquire).
      expect(total, label).toBeLessThanOrEqual(12)
      rows.push(`${label.padEnd(44)} ${String(total).padStart(2)}  ${inner.map(([cmd, n]) => `${cmd}${n > 1 ? `x${n}` : ''}`).join(' ')}`)
    }
    console.log(`Redis commands run inside each script (plus the one EVALSHA):\n${rows.join('\n')}`)
  })

  it('keeps the documented, operator-readable layout', async () => {
    const d = redisDriver(redis)
    await d.send(acq(1, 'SH'))
    await d.send(acq(2, 'SH'))
    await d.send(upg(1, 1))
    await d.send(acq(3, 'EX', {page: P1}))
    await d.send(dem(2, 2, 'UN'))
    await d.send(wb(1, 1, 1, [{page: P0, data: new Uint8Array([104, 105])}]))
    const runId = d.lm.runId
    expect(await redis.hgetall(keys.lock(runId, U))).toEqual({gen: '1', seq: '2', 'h:1': 'EX:1:release'})
    expect(await redis.lrange(keys.queue(runId, U), 0, -1)).toEqual(['3:EX:a/1'])
    expect(await redis.hgetall(keys.page(runId, 'a/0'))).toEqual({data: 'hi', ver: '1', gen: '1'})
    await d.send(upg(1, 1)).catch(() => undefined)
    expect(await redis.xlen(keys.inbox(runId, 1))).toBe(2)
  })

  it('a demote or write-back carries the node records into the outbox, in order, also when fenced', async () => {
    const lm = new RedisLockManager(redis, freshRunId('records'))
    const entry = (batch: number) => historyFields({node: 1, proc: 1, batch}, ['[]', '[]', '[]', '[]'])
    const page = [{page: P0, data: allBytes()}]
    await lm.send(acq(1, 'EX'))
    expect(await lm.send(wb(1, 1, 1, page), [entry(1), entry(2)])).toEqual({type: 'written', accepted: 1})
    expect(await lm.send(dem(1, 1, 'UN', 1, page), [entry(3)])).toEqual({type: 'demoted', accepted: 1})
    expect(await lm.send(dem(1, 1, 'UN', 1, page), [entry(4)])).toEqual({type: 'stale', rejected: 1})
    expect(await lm.send(dem(1, 1, 'UN', 1))).toEqual({type: 'stale', rejected: 0})
    const out = await redis.xrange(keys.outbox(lm.runId), '-', '+')
    expect(out.map(([, fields]) => fields)).toEqual([entry(1), entry(2), entry(3), entry(4)])
    // Records ride only with what they must precede.
    await expect(lm.send(acq(1, 'EX'), [entry(5)])).rejects.toThrow(/only a demote or a write-back/)
  })

  it('protocol errors surface as ProtocolError, Lua invariant failures as plain errors', async () => {
    const d = redisDriver(redis)
    await d.send(acq(1, 'EX'))
    await expect(d.send(acq(1, 'SH'))).rejects.toBeInstanceOf(ProtocolError)
    // Corrupt the stored state: a second EX holder. The next decision refuses to run on it.
    await redis.hset(keys.lock(d.lm.runId, U), 'h:2', 'EX:1:none')
    const error = await d.send(cancel(5)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Error)
    expect(error).not.toBeInstanceOf(ProtocolError)
    expect(String(error)).toMatch(/invariant/)
  })
})
