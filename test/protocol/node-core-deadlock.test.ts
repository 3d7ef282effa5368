// The node core's part in copies and deadlocks: try-only pins, pin-deferred callbacks reported
// to the manager (`defer`), deadlock messages passed up, and abandoning a wait (cancel).
import {describe, expect, it} from 'vitest'
import {NodeCore, type NodeCoreConfig} from '../../src/protocol/node-core.js'
import {replyInput, type ManagerReply, type ManagerRequest, type NodeEffect, type NodeInput, type PageRef, type RequestKind, type UnitId, type WaitEdge} from '../../src/protocol/types.js'

const PAGE_SIZE = 4
const BASE: NodeCoreConfig = {node: 1, granularity: 'page', states: 'shared', downgrade: 'unmap', holdTimeUs: 0, pageSize: PAGE_SIZE}
const A0: PageRef = {file: 'a', page: 0}
const B0: PageRef = {file: 'b', page: 0}

class Node {
  readonly core: NodeCore
  constructor(over: Partial<NodeCoreConfig> = {}) {
    this.core = new NodeCore({...BASE, ...over})
  }
  step(input: NodeInput): NodeEffect[] {
    const effects = this.core.step(0, input)
    this.core.assertInvariants()
    return effects
  }
  reply<K extends RequestKind>(unit: UnitId, request: K, reply: ManagerReply<K>): NodeEffect[] {
    return this.step(replyInput(unit, request, reply))
  }
}

const send = (request: ManagerRequest): NodeEffect => ({type: 'send', request})
const grantedEX: ManagerReply = {type: 'granted', mode: 'EX', seq: 1, generation: 1, page: {page: B0, data: null, version: 0}}

describe('try-only pins', () => {
  it('ask with try: busy ends the pin with nothing held or queued', () => {
    const n = new Node()
    expect(n.step({type: 'pin', id: 1, unit: 'a/0', mode: 'SH', page: A0, try: true})).toEqual([
      send({type: 'acquire', node: 1, unit: 'a/0', mode: 'SH', page: A0, try: true}),
    ])
    expect(n.reply('a/0', 'acquire', {type: 'busy'})).toEqual([{type: 'pin-busy', id: 1}])
    expect(n.core.heldMode('a/0')).toBe('UN')
    expect(n.core.snapshot()).toEqual([])
  })

  it('a try that is granted pins like a plain pin', () => {
    const n = new Node()
    n.step({type: 'pin', id: 1, unit: 'a/0', mode: 'SH', page: A0, try: true})
    expect(n.reply('a/0', 'acquire', {type: 'granted', mode: 'SH', seq: 1, generation: 0, page: {page: A0, data: null, version: 0}})).toEqual([
      {type: 'pinned', id: 1, fault: 'acquired'},
    ])
  })

  it('a try that would need an upgrade is busy at once (an upgrade cannot be tried)', () => {
    const n = new Node()
    n.step({type: 'pin', id: 1, unit: 'a/0', mode: 'SH', page: A0})
    n.reply('a/0', 'acquire', {type: 'granted', mode: 'SH', seq: 1, generation: 0, page: {page: A0, data: null, version: 0}})
    expect(n.step({type: 'pin', id: 2, unit: 'a/0', mode: 'EX', page: A0, try: true})).toEqual([{type: 'pin-busy', id: 2}])
  })
})

describe('deadlocks', () => {
  const cycle: WaitEdge[] = [
    {node: 0, unit: 'b/0', wants: 'SH', heldBy: 1, held: 'EX'},
    {node: 1, unit: 'a/0', wants: 'SH', heldBy: 0, held: 'EX'},
  ]

  it('a pin-deferred callback is reported once per hold, and again after the hold was downgraded', () => {
    const n = new Node()
    n.step({type: 'pin', id: 1, unit: 'b/0', mode: 'EX', page: B0})
    n.reply('b/0', 'acquire', grantedEX)
    const defer = send({type: 'defer', node: 1, unit: 'b/0', seq: 1})
    expect(n.step({type: 'message', message: {type: 'callback', unit: 'b/0', kind: 'downgrade', seq: 1}})).toEqual([defer])
    expect(n.step({type: 'message', message: {type: 'callback', unit: 'b/0', kind: 'release', seq: 1}})).toEqual([])
    // The defer's reply needs no action (it is outside the one-request-per-unit slot).
    expect(n.reply('b/0', 'defer', {type: 'noted'})).toEqual([])
  })

  it('a deadlock message is passed to the runtime as is', () => {
    const n = new Node()
    expect(n.step({type: 'message', message: {type: 'deadlock', unit: 'a/0', id: 3, victim: 1, cycle}})).toEqual([
      {type: 'deadlock', unit: 'a/0', id: 3, victim: 1, cycle},
    ])
  })

  it('abandon: the queued acquire is cancelled and the ops waiting for it fail', () => {
    const n = new Node()
    n.step({type: 'access', id: 7, page: A0, kind: 'read', data: null})
    // Abandoned before its `queued` reply is read: the cancel waits for it.
    expect(n.step({type: 'abandon', unit: 'a/0'})).toEqual([])
    expect(n.reply('a/0', 'acquire', {type: 'queued'})).toEqual([send({type: 'cancel', node: 1, unit: 'a/0'})])
    expect(n.reply('a/0', 'cancel', {type: 'cancelled'})).toEqual([{type: 'failed', id: 7, op: 'access', unit: 'a/0'}])
    expect(n.core.snapshot()).toEqual([])
  })

  it('abandon too late: the grant wins, the op completes', () => {
    const n = new Node()
    n.step({type: 'access', id: 7, page: A0, kind: 'read', data: null})
    n.reply('a/0', 'acquire', {type: 'queued'})
    expect(n.step({type: 'abandon', unit: 'a/0'})).toEqual([send({type: 'cancel', node: 1, unit: 'a/0'})])
    const grant = n.step({type: 'message', message: {type: 'grant', unit: 'a/0', mode: 'SH', seq: 1, generation: 0, upgrade: false, page: {page: A0, data: null, version: 0}}})
    expect(grant.map((e) => e.type)).toEqual(['pte', 'access-done'])
    // The slot stays taken until the cancel's reply: then it is free again.
    expect(n.core.snapshot()[0]?.inflight?.request).toBe('acquire')
    expect(n.reply('a/0', 'cancel', {type: 'not-waiting'})).toEqual([])
    expect(n.core.snapshot()[0]?.inflight).toBeNull()
  })

  it('abandon with nothing waiting is a no-op', () => {
    const n = new Node()
    expect(n.step({type: 'abandon', unit: 'a/0'})).toEqual([])
  })
})

describe('pin-deferred callbacks and the hold time', () => {
  it('a callback reported as deferred is served at the last unpin, even within the hold time', () => {
    const n = new Node({holdTimeUs: 1_000_000})
    n.step({type: 'pin', id: 1, unit: 'b/0', mode: 'EX', page: B0})
    n.reply('b/0', 'acquire', grantedEX)
    n.step({type: 'message', message: {type: 'callback', unit: 'b/0', kind: 'release', seq: 1}})
    const effects = n.step({type: 'unpin', unit: 'b/0'})
    expect(effects).toContainEqual(send({type: 'demote', node: 1, unit: 'b/0', seq: 1, to: 'UN', generation: 1, writeback: []}))
  })
})

describe('hold-time wakes', () => {
  it('a timer for one unit re-arms the wake of another unit still within its hold time', () => {
    const n = new Node({holdTimeUs: 100})
    const at = (t: number, input: NodeInput) => {
      const e = n.core.step(t, input)
      n.core.assertInvariants()
      return e
    }
    const grant = (unit: string, seq: number) => ({type: 'granted', mode: 'SH', seq, generation: 0, page: {page: {file: unit[0]!, page: 0}, data: null, version: 0}}) as const
    at(0, {type: 'access', id: 1, page: A0, kind: 'read', data: null})
    at(0, {type: 'reply', unit: 'a/0', request: 'acquire', reply: grant('a/0', 1)})
    at(50, {type: 'access', id: 2, page: B0, kind: 'read', data: null})
    at(50, {type: 'reply', unit: 'b/0', request: 'acquire', reply: grant('b/0', 1)})
    expect(at(60, {type: 'message', message: {type: 'callback', unit: 'a/0', kind: 'release', seq: 1}})).toEqual([{type: 'wake', at: 100}])
    expect(at(60, {type: 'message', message: {type: 'callback', unit: 'b/0', kind: 'release', seq: 1}})).toEqual([{type: 'wake', at: 150}])
    // The runtime's single timer fires at 100: a/0 is released and b/0 asks for its wake again.
    const effects = at(100, {type: 'timer'})
    expect(effects).toContainEqual({type: 'wake', at: 150})
    expect(effects.some((e) => e.type === 'send' && e.request.type === 'demote' && e.request.unit === 'a/0')).toBe(true)
  })
})
