// The runtime's timer never wakes the core early: Node's timers run on the event loop's cached
// time and can fire before the requested instant on the runtime's clock, and a core woken early
// under a minimum hold time used to lose its wake (the callback then waited forever: a pingpong
// run with --hold-time 10ms got stuck). The clock here is fake, so "early" is certain.
import {describe, expect, it} from 'vitest'
import {NodeRuntime} from '../../src/node/runtime.js'
import {emptyCounters} from '../../src/records/counters.js'
import {encodeStamp} from '../../src/protocol/page-data.js'
import type {ManagerReply, ManagerRequest} from '../../src/protocol/types.js'
import type {RedisLockManager} from '../../src/redis/lock-manager.js'
import {eventually} from '../../src/node/local-cluster.js'

function fakeManager(sent: ManagerRequest[]): RedisLockManager {
  return {
    async send(req: ManagerRequest): Promise<ManagerReply> {
      sent.push(req)
      if (req.type === 'acquire') return {type: 'granted', mode: req.mode, seq: 1, generation: 1, page: null}
      if (req.type === 'demote') return {type: 'demoted', accepted: req.writeback.length}
      throw new Error(`unexpected ${req.type}`)
    },
    async readDisk(): Promise<never> {
      throw new Error('no disk reads expected')
    },
  } as unknown as RedisLockManager
}

describe('runtime timer', () => {
  it('wakes the core for every unit whose hold time ends, not only the earliest one', async () => {
    let now = 1_000_000
    const sent: ManagerRequest[] = []
    const runtime = new NodeRuntime({
      node: 0, settings: {granularity: 'page', states: 'shared', downgrade: 'unmap', holdTimeUs: 20_000, pageSize: 64},
      manager: fakeManager(sent), counters: emptyCounters(), clock: () => now, onTrace: () => {},
    })
    await runtime.access({file: 'a', page: 0}, 'write', encodeStamp('n0:1', 64))
    now += 10_000
    await runtime.access({file: 'a', page: 1}, 'write', encodeStamp('n0:2', 64))
    // a/0's hold ends at +20 ms, a/1's at +30 ms: one timer for +20 ms, and +30 ms still owed.
    now += 1_000
    runtime.deliver({type: 'callback', unit: 'a/0', kind: 'release', seq: 1})
    runtime.deliver({type: 'callback', unit: 'a/1', kind: 'release', seq: 1})
    now += 14_000 // +25 ms: a/0 is due, a/1 is not
    await eventually(() => sent.filter((r) => r.type === 'demote').length === 1, 2000, 'the release of a/0')
    expect(sent.find((r) => r.type === 'demote')?.unit).toBe('a/0')
    now += 10_000 // +35 ms: a/1 is due too
    await eventually(() => sent.filter((r) => r.type === 'demote').length === 2, 2000, 'the release of a/1 (its wake must not be lost)')
    expect(sent.filter((r) => r.type === 'demote').map((r) => r.unit)).toEqual(['a/0', 'a/1'])
    runtime.fail(new Error('done'))
  })

  it('re-arms a timer that fires before the wake time on the runtime clock, then serves the callback', async () => {
    let now = 1_000_000
    const sent: ManagerRequest[] = []
    const manager = fakeManager(sent)
    const runtime = new NodeRuntime({
      node: 0, settings: {granularity: 'page', states: 'shared', downgrade: 'unmap', holdTimeUs: 20_000, pageSize: 64},
      manager, counters: emptyCounters(), clock: () => now, onTrace: () => {},
    })
    await runtime.access({file: 'a', page: 0}, 'write', encodeStamp('n0:1', 64))
    expect(runtime.core.heldMode('a/0')).toBe('EX')

    // The callback arrives 5 ms into the 20 ms hold: the core asks to be woken at +20 ms.
    now += 5_000
    runtime.deliver({type: 'callback', unit: 'a/0', kind: 'release', seq: 1})
    // Real time passes (the setTimeout fires) but the runtime's clock still says +5 ms: too early.
    await new Promise((r) => setTimeout(r, 60))
    expect(sent.map((r) => r.type)).toEqual(['acquire'])
    expect(runtime.core.heldMode('a/0')).toBe('EX')

    // Once the clock passes the hold time, the re-armed timer wakes the core and it releases.
    now += 30_000
    await eventually(() => sent.some((r) => r.type === 'demote'), 2000, 'the release after the hold time')
    const demote = sent.find((r) => r.type === 'demote')
    expect(demote).toMatchObject({type: 'demote', unit: 'a/0', to: 'UN', seq: 1})
    expect(demote?.type === 'demote' && demote.writeback.length).toBe(1)
    runtime.fail(new Error('done'))
  })
})
