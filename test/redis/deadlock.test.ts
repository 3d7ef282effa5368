// The wait-for graph and deadlock detection, run step by step through the model
// (src/protocol/manager.ts + wait-graph.ts) and the Lua scripts at once: every reply, every
// message and the stored graph must agree, and the cycles found must be the right ones.
import type {Redis} from 'ioredis'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {createManager, decide} from '../../src/protocol/manager.js'
import type {HeldMode, ManagerRequest, NodeId, NodeMessage, Outgoing, UnitId, WaitEdge} from '../../src/protocol/types.js'
import {describeCycle, waitGraphView} from '../../src/protocol/wait-graph.js'
import type {RedisServer} from '../../src/redis/server.js'
import {startTestRedis, stopTestRedis} from '../helpers/redis.js'
import {freshRunId, redisDriver} from './helpers.js'
import {grouped} from './scenarios.js'

let server: RedisServer
let redis: Redis

beforeAll(async () => {
  ;({server, redis} = await startTestRedis())
})
afterAll(async () => stopTestRedis({server, redis}))

const page = (unit: UnitId) => {
  const [file, p] = unit.split('/')
  return {file: file ?? '', page: Number(p)}
}
const acq = (node: NodeId, unit: UnitId, mode: HeldMode): ManagerRequest => ({type: 'acquire', node, unit, mode, page: page(unit), try: false})
const defer = (node: NodeId, unit: UnitId, seq: number): ManagerRequest => ({type: 'defer', node, unit, seq})
const demote = (node: NodeId, unit: UnitId, seq: number, to: 'UN' | 'SH'): ManagerRequest => ({type: 'demote', node, unit, seq, to, generation: 0, writeback: []})
const cancel = (node: NodeId, unit: UnitId): ManagerRequest => ({type: 'cancel', node, unit})
const upgrade = (node: NodeId, unit: UnitId, seq: number): ManagerRequest => ({type: 'upgrade', node, unit, seq})

/** Runs requests through the model and Lua side by side; returns the deadlock messages seen. */
async function both(requests: readonly ManagerRequest[]): Promise<{messages: Outgoing[]; deadlocks: Extract<NodeMessage, {type: 'deadlock'}>[]}> {
  const model = createManager()
  const driver = redisDriver(redis, freshRunId('dl'))
  const all: Outgoing[] = []
  for (const req of requests) {
    const m = decide(model, req)
    const r = await driver.send(req)
    expect(r.reply, JSON.stringify(req)).toEqual(m.reply)
    expect(grouped(r.out), JSON.stringify(req)).toEqual(grouped(m.out))
    expect(await driver.lm.waitGraph(), JSON.stringify(req)).toEqual(waitGraphView(model.graph))
    all.push(...m.out)
  }
  const deadlocks = all.flatMap((o) => (o.message.type === 'deadlock' ? [o.message] : []))
  return {messages: all, deadlocks}
}

describe('deadlock detection (model and Lua agree)', () => {
  // Node 0 copies a->b, node 1 copies b->a, naively: each pins its destination EX and faults on
  // its source. The cycle closes when the second pinned holder defers its callback.
  const abba = [
    acq(0, 'b/0', 'EX'),
    acq(1, 'a/0', 'EX'),
    acq(0, 'a/0', 'SH'), // queued: node 1 is asked to downgrade a/0
    defer(1, 'a/0', 1), // ... but a pin holds it
    acq(1, 'b/0', 'SH'), // queued: node 0 is asked to downgrade b/0
  ]

  it('two nodes, opposite copies: one cycle, found when its last edge appears, the youngest waiter is the victim', async () => {
    const {deadlocks} = await both([...abba, defer(0, 'b/0', 1)])
    const cycle: WaitEdge[] = [
      {node: 0, unit: 'a/0', wants: 'SH', heldBy: 1, held: 'EX'},
      {node: 1, unit: 'b/0', wants: 'SH', heldBy: 0, held: 'EX'},
    ]
    expect(deadlocks).toEqual([
      {type: 'deadlock', unit: 'a/0', id: 1, victim: 1, cycle},
      {type: 'deadlock', unit: 'b/0', id: 1, victim: 1, cycle},
    ])
    expect(describeCycle(cycle)).toBe('node 0 holds b/0 (EX) and waits for a/0 (SH) held by node 1, which holds a/0 (EX) and waits for b/0 (SH) held by node 0')
  })

  it('a holder that only caches the lock is no edge: no false cycle, and breaking a cycle clears it', async () => {
    // Node 0 answers its callback (not pinned): no cycle, whatever node 1 does.
    const cached = await both([...abba, demote(0, 'b/0', 1, 'SH'), acq(2, 'a/0', 'EX')])
    expect(cached.deadlocks).toEqual([])
    // The victim gives up its wait; the next cycle-free step finds nothing.
    const broken = await both([...abba, defer(0, 'b/0', 1), cancel(1, 'b/0'), demote(1, 'a/0', 1, 'SH')])
    expect(broken.deadlocks.map((d) => d.id)).toEqual([1, 1])
  })

  it('a cycle is reported once: a later edge into one of its nodes that closes no new cycle finds nothing', async () => {
    const {deadlocks} = await both([
      ...abba,
      defer(0, 'b/0', 1), // deadlock #1
      acq(1, 'a/1', 'EX'),
      acq(2, 'a/1', 'SH'),
      defer(1, 'a/1', 1), // node 2 now waits for node 1 too; the only cycle is still #1
      acq(3, 'b/0', 'EX'), // node 3 waits for node 0; nothing new either
    ])
    expect(deadlocks.map((d) => d.id)).toEqual([1, 1])
  })

  it('three nodes in a ring (a->b, b->c, c->a): a cycle of three', async () => {
    const {deadlocks} = await both([
      acq(0, 'b/0', 'EX'),
      acq(1, 'c/0', 'EX'),
      acq(2, 'a/0', 'EX'),
      acq(0, 'c/0', 'SH'),
      defer(1, 'c/0', 1),
      acq(1, 'a/0', 'SH'),
      defer(2, 'a/0', 1),
      acq(2, 'b/0', 'SH'), // the wait that closes the ring (the callback to node 0 is still to be deferred)
      defer(0, 'b/0', 1), // closes it
    ])
    const cycle = [
      {node: 0, unit: 'c/0', wants: 'SH', heldBy: 1, held: 'EX'},
      {node: 1, unit: 'a/0', wants: 'SH', heldBy: 2, held: 'EX'},
      {node: 2, unit: 'b/0', wants: 'SH', heldBy: 0, held: 'EX'},
    ]
    expect(deadlocks.map((d) => d.unit)).toEqual(['c/0', 'a/0', 'b/0'])
    for (const d of deadlocks) expect(d).toMatchObject({id: 1, victim: 2, cycle})
  })

  it('a pending upgrade waits like a queued acquire', async () => {
    const {deadlocks} = await both([
      acq(0, 'a/0', 'SH'),
      acq(1, 'a/0', 'SH'),
      acq(0, 'b/0', 'EX'),
      upgrade(0, 'a/0', 1), // queued: node 1 must release its SH
      defer(1, 'a/0', 2),
      acq(1, 'b/0', 'SH'),
      defer(0, 'b/0', 1),
    ])
    expect(deadlocks[0]?.cycle).toEqual([
      {node: 0, unit: 'a/0', wants: 'EX', heldBy: 1, held: 'SH'},
      {node: 1, unit: 'b/0', wants: 'SH', heldBy: 0, held: 'EX'},
    ])
  })

  it('a defer for a hold that is gone is stale and records nothing', async () => {
    const {messages} = await both([acq(0, 'a/0', 'EX'), demote(0, 'a/0', 1, 'UN'), defer(0, 'a/0', 1), defer(3, 'a/0', 7)])
    expect(messages).toEqual([])
  })
})
