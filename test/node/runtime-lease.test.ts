// An access the runtime completes under a lapsed lease that turns out lost is failed, never given
// to the worker: it must then be in no fault count either, since the worker records the latency
// of exactly the accesses it gets (a lease-lost incarnation's fault counts equal its histograms').
import {describe, expect, it} from 'vitest'
import {NodeRuntime} from '../../src/node/runtime.js'
import {emptyCounters} from '../../src/records/counters.js'
import {encodeStamp} from '../../src/protocol/page-data.js'
import type {ManagerReply, ManagerRequest} from '../../src/protocol/types.js'
import type {RedisLockManager} from '../../src/redis/lock-manager.js'

const grantAll = {
  async send(req: ManagerRequest): Promise<ManagerReply> {
    if (req.type === 'acquire') return {type: 'granted', mode: req.mode, seq: 1, generation: 1, page: null}
    throw new Error(`unexpected ${req.type}`)
  },
} as unknown as RedisLockManager

function runtimeWith(lease: {valid(): boolean; confirm(): Promise<boolean>}) {
  const counters = emptyCounters()
  const runtime = new NodeRuntime({
    node: 0, settings: {granularity: 'page', states: 'shared', downgrade: 'unmap', holdTimeUs: 0, pageSize: 64},
    manager: grantAll, counters, clock: () => 1_000_000, onTrace: () => {}, lease,
  })
  return {runtime, counters}
}

const faults = (c: ReturnType<typeof emptyCounters>) => Object.values(c.faults).reduce((a, b) => a + b, 0)

describe('runtime under a lease', () => {
  it('counts no fault for an access a lost lease fails', async () => {
    const {runtime, counters} = runtimeWith({valid: () => false, confirm: async () => false})
    await expect(runtime.access({file: 'a', page: 0}, 'write', encodeStamp('n0:1', 64))).rejects.toThrow(/lease lost/)
    expect(counters.accesses).toBe(1)
    expect(faults(counters)).toBe(0)
  })

  it('counts the fault of an access completed once a renewal confirms the lease', async () => {
    const {runtime, counters} = runtimeWith({valid: () => false, confirm: async () => true})
    const done = await runtime.access({file: 'a', page: 0}, 'write', encodeStamp('n0:1', 64))
    expect(counters.faults[done.fault]).toBe(1)
    expect(faults(counters)).toBe(1)
  })
})
