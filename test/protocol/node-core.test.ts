// The node core driven by hand-fed manager replies and messages: exact effects, in order.
import {describe, expect, it} from 'vitest'
import {NodeCore, type NodeCoreConfig} from '../../src/protocol/node-core.js'
import type {
  DiskPage,
  FaultClass,
  HeldMode,
  ManagerReply,
  ManagerRequest,
  NodeEffect,
  NodeInput,
  PageBytes,
  PageRef,
  PteState,
  UnitId,
  Writeback,
} from '../../src/protocol/types.js'
import {replyInput, type RequestKind} from '../../src/protocol/types.js'

const PAGE_SIZE = 4
const BASE: NodeCoreConfig = {node: 1, granularity: 'page', states: 'shared', downgrade: 'unmap', holdTimeUs: 0, pageSize: PAGE_SIZE}

const A0: PageRef = {file: 'a', page: 0}
const A1: PageRef = {file: 'a', page: 1}
const A2: PageRef = {file: 'a', page: 2}

/** A page filled with `n`: easy to tell apart in failures. */
const bytes = (n: number): PageBytes => new Uint8Array(PAGE_SIZE).fill(n)
const ZERO = bytes(0)
const disk = (page: PageRef, data: PageBytes | null, version = 1): DiskPage => ({page, data, version})

const send = (request: ManagerRequest): NodeEffect => ({type: 'send', request})
const acquire = (unit: UnitId, mode: HeldMode, page: PageRef): NodeEffect => send({type: 'acquire', node: 1, unit, mode, page, try: false})
const upgrade = (unit: UnitId, seq: number): NodeEffect => send({type: 'upgrade', node: 1, unit, seq})
const demote = (unit: UnitId, seq: number, to: 'UN' | 'SH', generation: number, writeback: Writeback[] = []): NodeEffect =>
  send({type: 'demote', node: 1, unit, seq, to, generation, writeback})
const pte = (page: PageRef, from: PteState, to: PteState, unit: UnitId, seq: number, generation: number): NodeEffect => ({type: 'pte', page, from, to, unit, seq, generation})
const done = (id: number, data: PageBytes, fault: FaultClass): NodeEffect => ({type: 'access-done', id, data, fault})
const granted = (mode: HeldMode, seq: number, generation: number, page: DiskPage | null): ManagerReply => ({type: 'granted', mode, seq, generation, page})

/** One NodeCore, with the local invariants checked after every step. */
class Node {
  readonly core: NodeCore
  now = 0

  constructor(over: Partial<NodeCoreConfig> = {}) {
    this.core = new NodeCore({...BASE, ...over})
  }

  at(t: number): this {
    this.now = t
    return this
  }

  step(input: NodeInput): NodeEffect[] {
    const effects = this.core.step(this.now, input)
    this.core.assertInvariants()
    return effects
  }

  read(id: number, page: PageRef): NodeEffect[] {
    return this.step({type: 'access', id, page, kind: 'read', data: null})
  }

  write(id: number, page: PageRef, data: PageBytes): NodeEffect[] {
    return this.step({type: 'access', id, page, kind: 'write', data})
  }

  reply<K extends RequestKind>(unit: UnitId, request: K, reply: ManagerReply<K>): NodeEffect[] {
    return this.step(replyInput(unit, request, reply))
  }

  grant(unit: UnitId, mode: HeldMode, seq: number, generation: number, upgrade: boolean, page: DiskPage | null): NodeEffect[] {
    return this.step({type: 'message', message: {type: 'grant', unit, mode, seq, generation, upgrade, page}})
  }

  callback(unit: UnitId, kind: 'release' | 'downgrade', seq: number): NodeEffect[] {
    return this.step({type: 'message', message: {type: 'callback', unit, kind, seq}})
  }
}

/** a/0 held SH (seq 1, generation 0) and mapped RO with bytes(1). */
function sharedA0(over: Partial<NodeCoreConfig> = {}): Node {
  const n = new Node(over)
  n.read(1, A0)
  n.reply('a/0', 'acquire', granted('SH', 1, 0, disk(A0, bytes(1))))
  return n
}

/** a/0 held EX (seq 1, generation 1), mapped RW and dirty with bytes(7). */
function exclusiveA0(over: Partial<NodeCoreConfig> = {}): Node {
  const n = new Node(over)
  n.write(1, A0, bytes(7))
  n.reply('a/0', 'acquire', granted('EX', 1, 1, disk(A0, null)))
  return n
}

describe('faults', () => {
  it('read fault on first touch acquires SH and maps the granted page RO', () => {
    const n = new Node()
    expect(n.read(1, A0)).toEqual([acquire('a/0', 'SH', A0)])
    expect(n.core.heldMode('a/0')).toBe('UN')
    expect(n.core.snapshot()[0]).toMatchObject({unit: 'a/0', mode: 'UN', holders: 1, inflight: {request: 'acquire'}, waiting: [{op: 'access', id: 1, on: 'unit'}]})
    expect(n.reply('a/0', 'acquire', granted('SH', 1, 0, disk(A0, bytes(5))))).toEqual([pte(A0, 'none', 'RO', 'a/0', 1, 0), done(1, bytes(5), 'acquired')])
    expect(n.core.heldMode('a/0')).toBe('SH')
    expect(n.core.pte(A0)).toBe('RO')
    expect(n.core.cached(A0)).toEqual({data: bytes(5), dirty: false})
  })

  it('a never-written page reads as zeros', () => {
    const n = new Node()
    n.read(1, A0)
    expect(n.reply('a/0', 'acquire', granted('SH', 1, 0, disk(A0, null, 0)))).toEqual([pte(A0, 'none', 'RO', 'a/0', 1, 0), done(1, ZERO, 'acquired')])
  })

  it('a read through an RO mapping is a hit', () => {
    const n = sharedA0()
    expect(n.read(2, A0)).toEqual([done(2, bytes(1), 'hit')])
  })

  it('write fault with no lock acquires EX, maps RW and dirties the page', () => {
    const n = new Node()
    expect(n.write(1, A0, bytes(7))).toEqual([acquire('a/0', 'EX', A0)])
    expect(n.reply('a/0', 'acquire', granted('EX', 1, 1, disk(A0, bytes(3))))).toEqual([pte(A0, 'none', 'RW', 'a/0', 1, 1), done(1, bytes(7), 'acquired')])
    expect(n.core.cached(A0)).toEqual({data: bytes(7), dirty: true})
    expect(n.read(2, A0)).toEqual([done(2, bytes(7), 'hit')])
    expect(n.write(3, A0, bytes(8))).toEqual([done(3, bytes(8), 'hit')])
  })

  it('a fault with the lock held is served locally (cached-lock), no manager traffic', () => {
    const n = new Node({granularity: 'file'})
    expect(n.write(1, A0, bytes(7))).toEqual([acquire('a', 'EX', A0)])
    n.reply('a', 'acquire', granted('EX', 1, 1, disk(A0, null)))
    expect(n.write(2, A1, bytes(8))).toEqual([pte(A1, 'none', 'RW', 'a', 1, 1), done(2, bytes(8), 'cached-lock')])
    expect(n.read(3, A1)).toEqual([done(3, bytes(8), 'hit')])
  })

  it('file granularity: an uncached page under a held lock is read from disk, one read for concurrent faults', () => {
    const n = new Node({granularity: 'file'})
    n.read(1, A0)
    n.reply('a', 'acquire', granted('SH', 1, 0, disk(A0, bytes(1))))
    expect(n.read(2, A1)).toEqual([{type: 'read-disk', page: A1}])
    expect(n.read(3, A1)).toEqual([])
    // Both faults are holders: a callback now has to wait for them.
    expect(n.callback('a', 'release', 1)).toEqual([])
    expect(n.core.snapshot()[0]).toMatchObject({holders: 2, callback: {kind: 'release', seq: 1}})
    expect(n.step({type: 'disk-read', page: disk(A1, bytes(2), 4)})).toEqual([
      pte(A1, 'none', 'RO', 'a', 1, 0),
      done(2, bytes(2), 'cached-lock'),
      done(3, bytes(2), 'cached-lock'),
      pte(A0, 'RO', 'none', 'a', 1, 0),
      pte(A1, 'RO', 'none', 'a', 1, 0),
      demote('a', 1, 'UN', 0),
    ])
  })

  it('a second access while a request is in flight waits and is re-evaluated (no second send)', () => {
    const n = new Node()
    expect(n.read(1, A0)).toEqual([acquire('a/0', 'SH', A0)])
    expect(n.read(2, A0)).toEqual([])
    expect(n.write(3, A0, bytes(9))).toEqual([])
    expect(n.reply('a/0', 'acquire', granted('SH', 1, 0, disk(A0, bytes(1))))).toEqual([
      pte(A0, 'none', 'RO', 'a/0', 1, 0),
      done(1, bytes(1), 'acquired'),
      done(2, bytes(1), 'acquired'),
      upgrade('a/0', 1),
    ])
    expect(n.reply('a/0', 'upgrade', granted('EX', 1, 1, null))).toEqual([pte(A0, 'RO', 'RW', 'a/0', 1, 1), done(3, bytes(9), 'upgrade')])
  })

  it('an acquire that is queued completes as after-callback when the grant message comes', () => {
    const n = new Node()
    n.read(1, A0)
    expect(n.reply('a/0', 'acquire', {type: 'queued'})).toEqual([])
    expect(n.grant('a/0', 'SH', 4, 2, false, disk(A0, bytes(6)))).toEqual([pte(A0, 'none', 'RO', 'a/0', 4, 2), done(1, bytes(6), 'after-callback')])
  })

  it('exclusive-only runs take EX for a read, map RO, and map RW on a later write without traffic', () => {
    const n = new Node({states: 'exclusive'})
    expect(n.read(1, A0)).toEqual([acquire('a/0', 'EX', A0)])
    expect(n.reply('a/0', 'acquire', granted('EX', 1, 1, disk(A0, bytes(2))))).toEqual([pte(A0, 'none', 'RO', 'a/0', 1, 1), done(1, bytes(2), 'acquired')])
    expect(n.write(2, A0, bytes(3))).toEqual([pte(A0, 'RO', 'RW', 'a/0', 1, 1), done(2, bytes(3), 'cached-lock')])
    // A pin at SH is EX too.
    expect(n.step({type: 'pin', id: 3, unit: 'b/0', mode: 'SH', page: {file: 'b', page: 0}})).toEqual([acquire('b/0', 'EX', {file: 'b', page: 0})])
  })
})

describe('upgrades', () => {
  it('upgrade granted at once maps RW under the new generation', () => {
    const n = sharedA0()
    expect(n.write(2, A0, bytes(9))).toEqual([upgrade('a/0', 1)])
    expect(n.reply('a/0', 'upgrade', granted('EX', 1, 1, null))).toEqual([pte(A0, 'RO', 'RW', 'a/0', 1, 1), done(2, bytes(9), 'upgrade')])
    expect(n.core.heldMode('a/0')).toBe('EX')
    expect(n.core.cached(A0)).toEqual({data: bytes(9), dirty: true})
  })

  it('upgrade queued, then granted by a message: class upgrade', () => {
    const n = sharedA0()
    n.write(2, A0, bytes(9))
    expect(n.reply('a/0', 'upgrade', {type: 'queued'})).toEqual([])
    // Reads still hit the RO mapping meanwhile.
    expect(n.read(3, A0)).toEqual([done(3, bytes(1), 'hit')])
    expect(n.grant('a/0', 'EX', 1, 1, true, null)).toEqual([pte(A0, 'RO', 'RW', 'a/0', 1, 1), done(2, bytes(9), 'upgrade')])
  })

  it('refused upgrade (conversion-deadlock): invalidate, demote to UN, then acquire EX', () => {
    const n = sharedA0()
    n.write(2, A0, bytes(9))
    expect(n.reply('a/0', 'upgrade', {type: 'refused', reason: 'conversion-deadlock'})).toEqual([pte(A0, 'RO', 'none', 'a/0', 1, 0), demote('a/0', 1, 'UN', 0)])
    expect(n.core.heldMode('a/0')).toBe('UN')
    expect(n.core.cached(A0)).toBeNull()
    expect(n.read(3, A0)).toEqual([]) // waits behind the demote
    expect(n.reply('a/0', 'demote', {type: 'demoted', accepted: 0})).toEqual([acquire('a/0', 'EX', A0)])
    expect(n.reply('a/0', 'acquire', {type: 'queued'})).toEqual([])
    expect(n.grant('a/0', 'EX', 3, 1, false, disk(A0, bytes(4)))).toEqual([
      pte(A0, 'none', 'RW', 'a/0', 3, 1),
      done(2, bytes(9), 'upgrade'),
      // The read only waited for the queued acquire, not for the upgrade.
      done(3, bytes(9), 'after-callback'),
    ])
  })

  it('refused upgrade (callback-pending) answers the pending release; the late callback is stale', () => {
    const n = sharedA0()
    n.write(2, A0, bytes(9))
    expect(n.callback('a/0', 'release', 1)).toEqual([]) // upgrade in flight: kept
    expect(n.reply('a/0', 'upgrade', {type: 'refused', reason: 'callback-pending'})).toEqual([pte(A0, 'RO', 'none', 'a/0', 1, 0), demote('a/0', 1, 'UN', 0)])
    expect(n.core.snapshot()[0]?.callback).toBeNull()
    // No callback-done: the daemon did not serve it, the demote of the refused upgrade did.
    expect(n.reply('a/0', 'demote', {type: 'demoted', accepted: 0})).toEqual([acquire('a/0', 'EX', A0)])
    expect(n.callback('a/0', 'release', 1)).toEqual([])
  })

  it('a refused upgrade waits for SH pins to go before dropping the lock', () => {
    const n = sharedA0()
    expect(n.step({type: 'pin', id: 10, unit: 'a/0', mode: 'SH', page: A0})).toEqual([{type: 'pinned', id: 10, fault: 'cached-lock'}])
    n.write(2, A0, bytes(9))
    expect(n.reply('a/0', 'upgrade', {type: 'refused', reason: 'conversion-deadlock'})).toEqual([])
    expect(n.core.heldMode('a/0')).toBe('SH')
    expect(n.step({type: 'unpin', unit: 'a/0'})).toEqual([pte(A0, 'RO', 'none', 'a/0', 1, 0), demote('a/0', 1, 'UN', 0)])
  })

  it('a downgrade callback for the hold being upgraded (grant reply unread) waits for the upgrade reply', () => {
    const n = sharedA0()
    n.write(2, A0, bytes(9))
    expect(n.callback('a/0', 'downgrade', 1)).toEqual([])
    expect(n.reply('a/0', 'upgrade', granted('EX', 1, 1, null))).toEqual([
      pte(A0, 'RO', 'RW', 'a/0', 1, 1),
      done(2, bytes(9), 'upgrade'),
      pte(A0, 'RW', 'none', 'a/0', 1, 1),
      demote('a/0', 1, 'SH', 1, [{page: A0, data: bytes(9)}]),
    ])
  })
})

describe('callbacks', () => {
  it('release with dirty pages: invalidate every PTE, write back in the demote, drop the cache', () => {
    const n = new Node({granularity: 'file'})
    n.write(1, A0, bytes(7))
    n.reply('a', 'acquire', granted('EX', 1, 1, disk(A0, null)))
    n.write(2, A1, bytes(8))
    n.read(3, A2)
    n.step({type: 'disk-read', page: disk(A2, null, 0)})
    expect(n.callback('a', 'release', 1)).toEqual([
      pte(A0, 'RW', 'none', 'a', 1, 1),
      pte(A1, 'RW', 'none', 'a', 1, 1),
      pte(A2, 'RO', 'none', 'a', 1, 1),
      demote('a', 1, 'UN', 1, [
        {page: A0, data: bytes(7)},
        {page: A1, data: bytes(8)},
      ]),
    ])
    expect(n.core.heldMode('a')).toBe('UN')
    expect([A0, A1, A2].map((p) => n.core.cached(p))).toEqual([null, null, null])
    expect(n.core.snapshot()[0]).toMatchObject({blocked: true, inflight: {request: 'demote'}})
    // Faults wait while the callback is served, then start over (the lock is gone).
    expect(n.read(4, A1)).toEqual([])
    expect(n.reply('a', 'demote', {type: 'demoted', accepted: 2})).toEqual([
      {type: 'callback-done', unit: 'a', kind: 'release', wroteBack: 2},
      acquire('a', 'SH', A1),
    ])
    expect(n.reply('a', 'acquire', granted('SH', 3, 2, disk(A1, bytes(8), 2)))).toEqual([pte(A1, 'none', 'RO', 'a', 3, 2), done(4, bytes(8), 'after-callback')])
  })

  it('downgrade (unmap): writes back, keeps the cache clean, removes the PTEs; a read is then a cached-lock fault', () => {
    const n = exclusiveA0({downgrade: 'unmap'})
    expect(n.callback('a/0', 'downgrade', 1)).toEqual([pte(A0, 'RW', 'none', 'a/0', 1, 1), demote('a/0', 1, 'SH', 1, [{page: A0, data: bytes(7)}])])
    expect(n.core.heldMode('a/0')).toBe('SH')
    expect(n.core.cached(A0)).toEqual({data: bytes(7), dirty: false})
    expect(n.reply('a/0', 'demote', {type: 'demoted', accepted: 1})).toEqual([{type: 'callback-done', unit: 'a/0', kind: 'downgrade', wroteBack: 1}])
    expect(n.read(2, A0)).toEqual([pte(A0, 'none', 'RO', 'a/0', 1, 1), done(2, bytes(7), 'cached-lock')])
    expect(n.write(3, A0, bytes(8))).toEqual([upgrade('a/0', 1)])
  })

  it('downgrade (write-protect): RW mappings become RO and reads keep hitting, even during the demote', () => {
    const n = exclusiveA0({downgrade: 'write-protect'})
    expect(n.callback('a/0', 'downgrade', 1)).toEqual([pte(A0, 'RW', 'RO', 'a/0', 1, 1), demote('a/0', 1, 'SH', 1, [{page: A0, data: bytes(7)}])])
    expect(n.core.pte(A0)).toBe('RO')
    expect(n.read(2, A0)).toEqual([done(2, bytes(7), 'hit')])
    expect(n.write(3, A0, bytes(8))).toEqual([]) // blocked: waits for the demote reply
    expect(n.reply('a/0', 'demote', {type: 'demoted', accepted: 1})).toEqual([
      {type: 'callback-done', unit: 'a/0', kind: 'downgrade', wroteBack: 1},
      upgrade('a/0', 1),
    ])
  })

  it('a release that escalates a downgrade being served is kept and served after the demote reply', () => {
    const n = exclusiveA0({downgrade: 'write-protect'})
    n.callback('a/0', 'downgrade', 1)
    expect(n.callback('a/0', 'release', 1)).toEqual([])
    expect(n.reply('a/0', 'demote', {type: 'demoted', accepted: 1})).toEqual([
      {type: 'callback-done', unit: 'a/0', kind: 'downgrade', wroteBack: 1},
      pte(A0, 'RO', 'none', 'a/0', 1, 1),
      demote('a/0', 1, 'UN', 1),
    ])
    expect(n.core.cached(A0)).toBeNull()
  })

  it('a release escalates a downgrade still deferred: one demote, to UN', () => {
    const n = exclusiveA0({holdTimeUs: 100})
    expect(n.at(10).callback('a/0', 'downgrade', 1)).toEqual([{type: 'wake', at: 100}])
    expect(n.at(20).callback('a/0', 'release', 1)).toEqual([])
    expect(n.at(100).step({type: 'timer'})).toEqual([pte(A0, 'RW', 'none', 'a/0', 1, 1), demote('a/0', 1, 'UN', 1, [{page: A0, data: bytes(7)}])])
  })

  it('a callback is deferred while a pin holds the unit and served on unpin', () => {
    const n = new Node()
    expect(n.step({type: 'pin', id: 5, unit: 'a/0', mode: 'EX', page: A0})).toEqual([acquire('a/0', 'EX', A0)])
    expect(n.reply('a/0', 'acquire', granted('EX', 1, 1, disk(A0, bytes(2))))).toEqual([{type: 'pinned', id: 5, fault: 'acquired'}])
    // The pinned destination is written through the mapping meanwhile.
    n.write(6, A0, bytes(3))
    // The manager hears of the deferral once (for its wait-for graph), not again on a repeat.
    expect(n.callback('a/0', 'release', 1)).toEqual([{type: 'send', request: {type: 'defer', node: 1, unit: 'a/0', seq: 1}}])
    expect(n.callback('a/0', 'release', 1)).toEqual([])
    expect(n.core.snapshot()[0]).toMatchObject({holders: 1, pins: ['EX'], callback: {kind: 'release', seq: 1}})
    expect(n.step({type: 'unpin', unit: 'a/0'})).toEqual([pte(A0, 'RW', 'none', 'a/0', 1, 1), demote('a/0', 1, 'UN', 1, [{page: A0, data: bytes(3)}])])
  })

  it('a callback is deferred until grant time + holdTimeUs (wake, then timer)', () => {
    const n = new Node({holdTimeUs: 100})
    n.at(0).read(1, A0)
    n.at(10).reply('a/0', 'acquire', granted('SH', 1, 0, disk(A0, bytes(1))))
    expect(n.at(20).callback('a/0', 'release', 1)).toEqual([{type: 'wake', at: 110}])
    // Nothing new to ask for while the wake is pending.
    expect(n.at(50).read(2, A0)).toEqual([done(2, bytes(1), 'hit')])
    // A timer for another wake (the runtime keeps only the earliest) re-arms this one.
    expect(n.at(60).step({type: 'timer'})).toEqual([{type: 'wake', at: 110}])
    expect(n.at(110).step({type: 'timer'})).toEqual([pte(A0, 'RO', 'none', 'a/0', 1, 0), demote('a/0', 1, 'UN', 0)])
  })

  it('a callback for an older hold is ignored', () => {
    const n = sharedA0()
    n.callback('a/0', 'release', 1)
    n.reply('a/0', 'demote', {type: 'demoted', accepted: 0})
    // UN: the late duplicate for seq 1 is stale.
    expect(n.callback('a/0', 'release', 1)).toEqual([])
    n.read(2, A0)
    n.reply('a/0', 'acquire', granted('SH', 3, 0, disk(A0, bytes(1))))
    // Held at seq 3: seq 1 is stale too.
    expect(n.callback('a/0', 'release', 1)).toEqual([])
    expect(n.core.snapshot()[0]).toMatchObject({mode: 'SH', seq: 3, callback: null})
  })

  it('a callback for a hold whose grant reply is unread is kept until the grant', () => {
    const n = new Node()
    n.read(1, A0)
    expect(n.callback('a/0', 'release', 5)).toEqual([])
    expect(n.core.snapshot()[0]).toMatchObject({mode: 'UN', seq: 0, callback: {kind: 'release', seq: 5}})
    expect(n.reply('a/0', 'acquire', granted('SH', 5, 0, disk(A0, bytes(1))))).toEqual([
      pte(A0, 'none', 'RO', 'a/0', 5, 0),
      done(1, bytes(1), 'acquired'),
      pte(A0, 'RO', 'none', 'a/0', 5, 0),
      demote('a/0', 5, 'UN', 0),
    ])
  })

  it('a grant message that overtakes the queued reply is accepted; the later queued is ignored', () => {
    const n = new Node()
    n.read(1, A0)
    expect(n.grant('a/0', 'SH', 2, 0, false, disk(A0, bytes(4)))).toEqual([pte(A0, 'none', 'RO', 'a/0', 2, 0), done(1, bytes(4), 'after-callback')])
    expect(n.core.heldMode('a/0')).toBe('SH')
    // The request slot stays taken until the reply is read: the upgrade waits for it.
    expect(n.write(2, A0, bytes(5))).toEqual([])
    expect(n.reply('a/0', 'acquire', {type: 'queued'})).toEqual([upgrade('a/0', 2)])
  })
})

describe('msync', () => {
  it('writes back dirty pages and keeps EX; the pages become clean', () => {
    const n = exclusiveA0()
    expect(n.step({type: 'sync', id: 20, unit: 'a/0'})).toEqual([send({type: 'writeback', node: 1, unit: 'a/0', seq: 1, generation: 1, writeback: [{page: A0, data: bytes(7)}]})])
    expect(n.core.cached(A0)).toEqual({data: bytes(7), dirty: false})
    // A write hit meanwhile dirties the page again; the next write-back carries it.
    expect(n.write(2, A0, bytes(8))).toEqual([done(2, bytes(8), 'hit')])
    expect(n.reply('a/0', 'writeback', {type: 'written', accepted: 1})).toEqual([{type: 'synced', id: 20, pages: 1}])
    expect(n.core.heldMode('a/0')).toBe('EX')
    expect(n.core.pte(A0)).toBe('RW')
    expect(n.step({type: 'sync', id: 21, unit: 'a/0'})).toEqual([send({type: 'writeback', node: 1, unit: 'a/0', seq: 1, generation: 1, writeback: [{page: A0, data: bytes(8)}]})])
  })

  it('has nothing to do on a clean or unheld unit', () => {
    const n = sharedA0()
    expect(n.step({type: 'sync', id: 1, unit: 'a/0'})).toEqual([{type: 'synced', id: 1, pages: 0}])
    expect(n.step({type: 'sync', id: 2, unit: 'z'})).toEqual([{type: 'synced', id: 2, pages: 0}])
  })

  it('a stale writeback means the hold is gone: nothing is kept', () => {
    const n = exclusiveA0()
    n.step({type: 'sync', id: 20, unit: 'a/0'})
    expect(n.reply('a/0', 'writeback', {type: 'stale', rejected: 1})).toEqual([pte(A0, 'RW', 'none', 'a/0', 1, 1), {type: 'synced', id: 20, pages: 0}])
    expect(n.core.heldMode('a/0')).toBe('UN')
  })
})

describe('disk reads across a dropped cache', () => {
  it('bytes read before the cache was dropped are discarded and the fault starts over', () => {
    const n = new Node({granularity: 'file'})
    n.read(1, A0)
    n.reply('a', 'acquire', granted('SH', 1, 0, disk(A0, bytes(1))))
    expect(n.read(2, A1)).toEqual([{type: 'read-disk', page: A1}])
    n.write(3, A0, bytes(9))
    expect(n.reply('a', 'upgrade', {type: 'refused', reason: 'conversion-deadlock'})).toEqual([pte(A0, 'RO', 'none', 'a', 1, 0), demote('a', 1, 'UN', 0)])
    expect(n.step({type: 'disk-read', page: disk(A1, bytes(2))})).toEqual([])
    expect(n.core.cached(A1)).toBeNull()
    expect(n.reply('a', 'demote', {type: 'demoted', accepted: 0})).toEqual([acquire('a', 'EX', A0)])
    expect(n.reply('a', 'acquire', granted('EX', 2, 1, disk(A0, bytes(1))))).toEqual([
      pte(A0, 'none', 'RW', 'a', 2, 1),
      done(3, bytes(9), 'upgrade'),
      {type: 'read-disk', page: A1},
    ])
    expect(n.step({type: 'disk-read', page: disk(A1, bytes(3))})).toEqual([pte(A1, 'none', 'RO', 'a', 2, 1), done(2, bytes(3), 'acquired')])
  })
})

describe('impossible inputs are assertion failures', () => {
  it('a reply with no request in flight', () => {
    const n = new Node()
    expect(() => n.reply('a/0', 'acquire', granted('SH', 1, 0, null))).toThrow(/no request in flight/)
  })

  it('a reply to another request than the one in flight', () => {
    const n = new Node()
    n.read(1, A0)
    expect(() => n.reply('a/0', 'upgrade', {type: 'queued'})).toThrow(/request in flight is acquire/)
    expect(() => n.reply('a/0', 'cancel', {type: 'cancelled'})).toThrow(/no cancel was sent/)
  })

  it('a grant for a unit that is not acquiring', () => {
    const n = sharedA0()
    expect(() => n.grant('a/0', 'SH', 2, 0, false, null)).toThrow(/no acquire is waiting/)
    expect(() => n.grant('b/0', 'EX', 2, 1, true, null)).toThrow(/no upgrade is waiting/)
  })

  it('a callback for a newer hold while not acquiring', () => {
    const n = sharedA0()
    expect(() => n.callback('a/0', 'release', 2)).toThrow(/not acquiring/)
  })

  it('a downgrade callback for an SH hold', () => {
    const n = sharedA0()
    expect(() => n.callback('a/0', 'downgrade', 1)).toThrow(/downgrade callback for a SH hold/)
  })

  it('unpin without a pin, reused ids, time going backwards', () => {
    const n = new Node()
    expect(() => n.step({type: 'unpin', unit: 'a/0'})).toThrow(/not pinned/)
    n.read(1, A0)
    expect(() => n.read(1, A0)).toThrow(/already in progress/)
    n.at(10).read(2, A0)
    expect(() => n.at(5).read(3, A0)).toThrow(/back to 5/)
  })

  it('a write without a full page', () => {
    const n = new Node()
    expect(() => n.write(1, A0, new Uint8Array(2))).toThrow(/full page/)
  })
})
