// The fault proxy against a real redis-server: commands pass through untouched; a partition
// holds traffic (both ways, or one way) without closing the connection and delivers it in order
// on heal; a delay holds each reply for at least the delay. No fixed sleeps: every wait is for a
// condition (a reply, a key) with a bound.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {Redis} from 'ioredis'
import {NetworkFaults} from '../../src/net/faults.js'
import {proxiedUrl, redisTarget} from '../../src/net/proxy.js'
import {startTestRedis, stopTestRedis, type TestRedis} from '../helpers/redis.js'
import {waitFor} from '../helpers/cli.js'

let t: TestRedis
let net: NetworkFaults
const clients: Redis[] = []

function client(node: number): Redis {
  const r = new Redis(net.urlOf(node), {maxRetriesPerRequest: 1})
  r.on('error', () => {})
  clients.push(r)
  return r
}

beforeAll(async () => {
  t = await startTestRedis()
  net = await NetworkFaults.start(2, t.server.url)
})

afterAll(async () => {
  for (const c of clients) c.disconnect()
  await net?.close()
  await stopTestRedis(t)
})

describe('fault proxy', () => {
  it('parses TCP and Unix socket targets and keeps credentials in the proxied URL', () => {
    expect(redisTarget('redis://10.0.0.5:6380')).toEqual({host: '10.0.0.5', port: 6380})
    expect(redisTarget('/tmp/r.sock')).toEqual({path: '/tmp/r.sock'})
    expect(proxiedUrl('redis://:pw@10.0.0.5:6380/2', '127.0.0.1', 7000)).toBe('redis://:pw@127.0.0.1:7000/2')
    expect(proxiedUrl('/tmp/r.sock', '127.0.0.1', 7000)).toBe('redis://127.0.0.1:7000')
  })

  it('passes commands through when healthy', async () => {
    const c = client(0)
    await c.set('k', 'v')
    expect(await t.redis.get('k')).toBe('v')
    expect(await c.get('k')).toBe('v')
  })

  it('a two-way partition holds commands (nothing reaches Redis) and delivers them in order on heal', async () => {
    const c = client(0)
    await c.ping()
    net.partition(0, 'both')
    let replied = false
    const pending = c.incr('p').then((v) => ((replied = true), v))
    const second = c.incr('p')
    // Another node's link is untouched: its commands are served, and show Redis never saw node 0's.
    const other = client(1)
    for (let i = 0; i < 20; i++) expect(await other.get('p')).toBe(null)
    expect(replied).toBe(false)
    net.heal(0, 'partition')
    expect(await pending).toBe(1)
    expect(await second).toBe(2)
    expect(c.status).toBe('ready')
  })

  it('one way from-redis: the command takes effect, its reply is held until the heal', async () => {
    const c = client(0)
    await c.ping()
    net.partition(0, 'from-redis')
    let replied = false
    const pending = c.set('one-way', 'x').then((v) => ((replied = true), v))
    const seen = await (async () => {
      const deadline = Date.now() + 5000
      while (Date.now() < deadline) if ((await t.redis.get('one-way')) === 'x') return true
      return false
    })()
    expect(seen).toBe(true)
    expect(replied).toBe(false)
    net.heal(0, 'all')
    expect(await pending).toBe('OK')
  })

  it('one way to-redis: nothing reaches Redis until the heal', async () => {
    const c = client(0)
    await c.ping()
    net.partition(0, 'to-redis')
    const pending = c.set('to-redis', 'y')
    for (let i = 0; i < 20; i++) expect(await t.redis.get('to-redis')).toBe(null)
    expect(net.linkOf(0).partition).toBe('to-redis')
    net.heal(0, 'partition')
    expect(await pending).toBe('OK')
    expect(await t.redis.get('to-redis')).toBe('y')
  })

  it('a delay makes each round trip take at least twice the delay, and keeps order', async () => {
    const c = client(1)
    await c.ping()
    net.delay(1, 30, 10)
    const started = Date.now()
    const replies = await Promise.all([c.incr('d'), c.incr('d'), c.incr('d')])
    expect(Date.now() - started).toBeGreaterThanOrEqual(2 * 20)
    expect(replies).toEqual([1, 2, 3])
    net.heal(1, 'delay')
    expect(net.linkOf(1)).toEqual({partition: null, delayMs: 0, jitterMs: 0})
  })
})
