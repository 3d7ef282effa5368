// Every protocol transition of the foundation, on the real runtime against a real Redis.
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'
import {commandStats, startTestRedis, stopTestRedis, type TestRedis} from '../helpers/redis.js'
import {eventually, startCluster, within, type TestCluster} from '../../src/node/local-cluster.js'
import {decodeStamp} from '../../src/protocol/page-data.js'

let t: TestRedis
let cluster: TestCluster | undefined

beforeAll(async () => {
  t = await startTestRedis()
})
afterAll(async () => stopTestRedis(t))
afterEach(async () => {
  await cluster?.close()
  cluster = undefined
})

async function diskValue(c: TestCluster, file: string, page: number): Promise<string | null> {
  const d = await c.manager.readDisk({file, page})
  return d.data === null ? null : decodeStamp(d.data)
}

describe('first touch and lock caching', () => {
  it('a first-touch read fault is one Redis round trip that returns the grant and the page', async () => {
    cluster = await startCluster(t.server.url, 1)
    const [n0] = cluster.nodes
    const before = await commandStats(t.redis)
    const r = await n0!.read('a', 0)
    const after = await commandStats(t.redis)
    expect(r).toEqual({value: null, fault: 'acquired'})
    expect(n0!.counters.redisRoundTrips).toBe(1)
    const evalsha = (after['evalsha'] ?? 0) - (before['evalsha'] ?? 0)
    const evals = (after['eval'] ?? 0) - (before['eval'] ?? 0)
    // EVALSHA normally; ioredis falls back to EVAL once if the script was not loaded yet.
    expect(evalsha + evals).toBeGreaterThanOrEqual(1)
    expect(n0!.runtime.core.heldMode('a/0')).toBe('SH')
    expect(n0!.runtime.core.pte({file: 'a', page: 0})).toBe('RO')
  })

  it('a fault on a cached lock sends zero Redis commands', async () => {
    cluster = await startCluster(t.server.url, 1, {states: 'exclusive'})
    const [n0] = cluster.nodes
    await n0!.read('a', 0) // EX in exclusive-only mode, mapped RO
    // Wait until the inbox reader is parked in its blocking XREAD (CLIENT LIST flags `b`), so
    // nothing it does while idle is taken for a command of the faults below.
    const deadline = Date.now() + 5000
    while (!/ flags=b /.test(String(await t.redis.client('LIST')))) {
      if (Date.now() > deadline) throw new Error('the inbox reader did not block in XREAD within 5 s')
    }
    const trips = n0!.counters.redisRoundTrips
    const before = await commandStats(t.redis)
    const w = await n0!.write('a', 0, 'n0:1') // write fault: lock cached, RO -> RW
    const r = await n0!.read('a', 0) // hit
    const after = await commandStats(t.redis)
    expect(w.fault).toBe('cached-lock')
    expect(r).toEqual({value: 'n0:1', fault: 'hit'})
    expect(n0!.counters.redisRoundTrips).toBe(trips)
    // Only the idle inbox reader's blocking XREADs and our INFO may have run meanwhile.
    const changed = Object.keys(after).filter((k) => after[k] !== (before[k] ?? 0) && k !== 'xread' && k !== 'info')
    expect(changed).toEqual([])
    expect(n0!.counters.requests.acquire).toBe(1)
  })
})

describe('callbacks', () => {
  it('downgrade: a reader makes the EX holder write its dirty page back and keep its cache', async () => {
    cluster = await startCluster(t.server.url, 2, {downgrade: 'unmap'})
    const [n0, n1] = cluster.nodes
    await n0!.write('a', 0, 'n0:1')
    expect(await diskValue(cluster, 'a', 0)).toBeNull() // dirty, only in n0's cache
    const r = await n1!.read('a', 0)
    expect(r).toEqual({value: 'n0:1', fault: 'after-callback'})
    expect(await diskValue(cluster, 'a', 0)).toBe('n0:1')
    expect(n0!.counters.callbacks.downgrade).toBe(1)
    expect(n0!.runtime.core.heldMode('a/0')).toBe('SH')
    expect(n0!.runtime.core.pte({file: 'a', page: 0})).toBe('none') // unmapped...
    expect(n0!.runtime.core.cached({file: 'a', page: 0})?.dirty).toBe(false) // ...cache kept, clean
    const again = await n0!.read('a', 0)
    expect(again).toEqual({value: 'n0:1', fault: 'cached-lock'})
  })

  it('downgrade by write-protect keeps the mapping read-only', async () => {
    cluster = await startCluster(t.server.url, 2, {downgrade: 'write-protect'})
    const [n0, n1] = cluster.nodes
    await n0!.write('a', 0, 'n0:1')
    await n1!.read('a', 0)
    expect(n0!.runtime.core.pte({file: 'a', page: 0})).toBe('RO')
    expect(await n0!.read('a', 0)).toEqual({value: 'n0:1', fault: 'hit'})
  })

  it('release: a writer makes the EX holder write back, unmap and drop its cache', async () => {
    cluster = await startCluster(t.server.url, 2)
    const [n0, n1] = cluster.nodes
    await n0!.write('a', 0, 'n0:1')
    const w = await n1!.write('a', 0, 'n1:1')
    expect(w.fault).toBe('after-callback')
    // n1's grant is sent by n0's demote script and may arrive before n0 reads the script's reply.
    await eventually(() => n0!.counters.callbacks.release === 1)
    expect(await diskValue(cluster, 'a', 0)).toBe('n0:1') // n0's write-back; n1's write is still dirty
    expect(n0!.runtime.core.heldMode('a/0')).toBe('UN')
    expect(n0!.runtime.core.pte({file: 'a', page: 0})).toBe('none')
    expect(n0!.runtime.core.cached({file: 'a', page: 0})).toBeNull()
    expect(await n0!.read('a', 0)).toEqual({value: 'n1:1', fault: 'after-callback'})
  })

  it('a pinned lock (holder) defers the callback until it is unpinned', async () => {
    cluster = await startCluster(t.server.url, 2)
    const [n0, n1] = cluster.nodes
    await n0!.runtime.pin('a/0', 'EX', {file: 'a', page: 0})
    await n0!.write('a', 0, 'n0:1')
    const reading = n1!.read('a', 0)
    expect(await within(reading, 300)).toBe('pending')
    expect(n0!.counters.callbacks.downgrade).toBe(0)
    n0!.runtime.unpin('a/0')
    expect(await within(reading, 5000)).toEqual({value: 'n0:1', fault: 'after-callback'})
  })

  it('a minimum hold time defers the callback', async () => {
    cluster = await startCluster(t.server.url, 2, {holdTimeUs: 300_000})
    const [n0, n1] = cluster.nodes
    await n0!.write('a', 0, 'n0:1')
    const t0 = Date.now()
    const r = await n1!.read('a', 0)
    expect(r.value).toBe('n0:1')
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250)
  })
})

describe('upgrades', () => {
  it('conflicting upgrades: one is refused, drops SH and re-requests EX; both writes land', async () => {
    cluster = await startCluster(t.server.url, 2)
    const [n0, n1] = cluster.nodes
    await n0!.read('a', 0)
    await n1!.read('a', 0)
    const [w0, w1] = await Promise.all([n0!.write('a', 0, 'n0:1'), n1!.write('a', 0, 'n1:1')])
    expect(w0.fault).toBe('upgrade')
    expect(w1.fault).toBe('upgrade')
    expect(n0!.counters.upgradesRefused + n1!.counters.upgradesRefused).toBe(1)
    // Whoever wrote last holds EX; a read from the other node sees that value.
    const holder = n0!.runtime.core.heldMode('a/0') === 'EX' ? n0! : n1!
    const other = holder === n0 ? n1! : n0!
    const seen = await other.read('a', 0)
    expect(seen.value).toBe(holder === n0 ? 'n0:1' : 'n1:1')
  })

  it('an upgrade with no other holder is granted at once', async () => {
    cluster = await startCluster(t.server.url, 1)
    const [n0] = cluster.nodes
    await n0!.read('a', 0)
    expect(await n0!.write('a', 0, 'n0:1')).toEqual({fault: 'upgrade'})
    expect(n0!.counters.redisRoundTrips).toBe(2)
  })
})

describe('file granularity', () => {
  it('one lock covers every page; an uncached page is read from disk without the manager', async () => {
    cluster = await startCluster(t.server.url, 2, {granularity: 'file'})
    const [n0, n1] = cluster.nodes
    await n0!.write('a', 0, 'n0:1')
    await n0!.write('a', 1, 'n0:2')
    expect(n0!.counters.requests.acquire).toBe(1)
    expect(await n1!.read('a', 1)).toEqual({value: 'n0:2', fault: 'after-callback'})
    expect(await n1!.read('a', 0)).toEqual({value: 'n0:1', fault: 'cached-lock'})
    expect(n1!.counters.requests.acquire).toBe(1)
    expect(n1!.counters.diskReads).toBe(1)
  })
})
