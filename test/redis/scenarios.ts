// Key manager scenarios from docs/PROTOCOL.md, written once against a Driver and run against
// both the pure model (test/protocol/manager.test.ts) and the Lua scripts
// (test/redis/lock-manager.test.ts). Messages are compared per node (stream order), as that is
// all a node can observe.
import {expect, it} from 'vitest'
import type {DiskRecord, UnitState} from '../../src/protocol/manager.js'
import {ProtocolError} from '../../src/protocol/manager.js'
import type {HeldMode, ManagerReply, ManagerRequest, NodeMessage, Outgoing, PageRef, UnitId, Writeback} from '../../src/protocol/types.js'

export interface Driver {
  send(req: ManagerRequest): Promise<{reply: ManagerReply; out: Outgoing[]}>
  unitState(unit: UnitId): Promise<UnitState>
  disk(page: PageRef): Promise<DiskRecord>
}

export const U = 'a'
export const P0: PageRef = {file: 'a', page: 0}
export const P1: PageRef = {file: 'a', page: 1}

export const acq = (node: number, mode: HeldMode, opts: {page?: PageRef; try?: boolean; unit?: UnitId} = {}): ManagerRequest => ({
  type: 'acquire',
  node,
  unit: opts.unit ?? U,
  mode,
  page: opts.page ?? P0,
  try: opts.try ?? false,
})
export const upg = (node: number, seq: number): ManagerRequest => ({type: 'upgrade', node, unit: U, seq})
export const dem = (node: number, seq: number, to: 'UN' | 'SH', generation = 0, writeback: Writeback[] = []): ManagerRequest => ({type: 'demote', node, unit: U, seq, to, generation, writeback})
export const wb = (node: number, seq: number, generation: number, writeback: Writeback[]): ManagerRequest => ({type: 'writeback', node, unit: U, seq, generation, writeback})
export const cancel = (node: number): ManagerRequest => ({type: 'cancel', node, unit: U})

export function grouped(out: readonly Outgoing[]): Record<number, NodeMessage[]> {
  const g: Record<number, NodeMessage[]> = {}
  for (const o of out) (g[o.to] ??= []).push(o.message)
  return g
}

export const release = (seq: number, unit: UnitId = U): NodeMessage => ({type: 'callback', unit, kind: 'release', seq})
export const downgrade = (seq: number, unit: UnitId = U): NodeMessage => ({type: 'callback', unit, kind: 'downgrade', seq})
export const upgraded = (seq: number, generation: number): NodeMessage => ({type: 'grant', unit: U, mode: 'EX', seq, generation, upgrade: true, page: null})
export const granted = (mode: HeldMode, seq: number, generation: number, page: PageRef = P0, data: Uint8Array | null = null, version = 0): NodeMessage => ({
  type: 'grant',
  unit: U,
  mode,
  seq,
  generation,
  upgrade: false,
  page: {page, data, version},
})

export const bytes = (...values: number[]) => new Uint8Array(values)

export function defineScenarios(makeDriver: () => Promise<Driver>): void {
  /** Sends a request and expects the reply and the messages per node. */
  async function step(d: Driver, req: ManagerRequest, reply: ManagerReply, messages: Record<number, NodeMessage[]> = {}) {
    const r = await d.send(req)
    expect(r.reply).toEqual(reply)
    expect(grouped(r.out)).toEqual(messages)
  }

  it('grants a free unit at once with the page, and counts seq and generation', async () => {
    const d = await makeDriver()
    await step(d, acq(1, 'EX'), {type: 'granted', mode: 'EX', seq: 1, generation: 1, page: {page: P0, data: null, version: 0}})
    expect(await d.unitState(U)).toEqual({generation: 1, seq: 1, holders: [{node: 1, mode: 'EX', seq: 1, callback: 'none'}], queue: [], upgrading: null})
    await step(d, dem(1, 1, 'UN', 1), {type: 'demoted', accepted: 0})
    await step(d, acq(2, 'SH'), {type: 'granted', mode: 'SH', seq: 2, generation: 1, page: {page: P0, data: null, version: 0}})
    await step(d, acq(3, 'SH', {page: P1}), {type: 'granted', mode: 'SH', seq: 3, generation: 1, page: {page: P1, data: null, version: 0}})
    expect(await d.unitState(U)).toEqual({
      generation: 1,
      seq: 3,
      holders: [
        {node: 2, mode: 'SH', seq: 2, callback: 'none'},
        {node: 3, mode: 'SH', seq: 3, callback: 'none'},
      ],
      queue: [],
      upgrading: null,
    })
  })

  it('queues FIFO, calls back blockers in node order, never overtakes the head', async () => {
    const d = await makeDriver()
    await step(d, acq(2, 'SH'), {type: 'granted', mode: 'SH', seq: 1, generation: 0, page: {page: P0, data: null, version: 0}})
    await step(d, acq(1, 'SH'), {type: 'granted', mode: 'SH', seq: 2, generation: 0, page: {page: P0, data: null, version: 0}})
    await step(d, acq(3, 'EX', {page: P1}), {type: 'queued'}, {1: [release(2)], 2: [release(1)]})
    // SH is compatible with the SH holders but must not overtake the EX head.
    await step(d, acq(4, 'SH'), {type: 'queued'})
    await step(d, acq(5, 'SH', {try: true}), {type: 'busy'})
    await step(d, dem(2, 1, 'UN'), {type: 'demoted', accepted: 0})
    // Grant to 3, then 3 blocks the SH head: downgrade, in one decision.
    await step(d, dem(1, 2, 'UN'), {type: 'demoted', accepted: 0}, {3: [granted('EX', 3, 1, P1), downgrade(3)]})
    expect(await d.unitState(U)).toEqual({
      generation: 1,
      seq: 3,
      holders: [{node: 3, mode: 'EX', seq: 3, callback: 'downgrade'}],
      queue: [{node: 4, mode: 'SH', page: P0}],
      upgrading: null,
    })
  })

  it('grants a batch of SH waiters together and stops at an EX waiter', async () => {
    const d = await makeDriver()
    await step(d, acq(1, 'EX'), {type: 'granted', mode: 'EX', seq: 1, generation: 1, page: {page: P0, data: null, version: 0}})
    await step(d, acq(3, 'SH'), {type: 'queued'}, {1: [downgrade(1)]})
    await step(d, acq(2, 'SH', {page: P1}), {type: 'queued'})
    await step(d, acq(4, 'EX'), {type: 'queued'})
    await step(d, acq(5, 'SH'), {type: 'queued'})
    const data = bytes(1, 2, 3)
    await step(d, dem(1, 1, 'UN', 1, [{page: P0, data}]), {type: 'demoted', accepted: 1}, {
      3: [granted('SH', 2, 1, P0, data, 1), release(2)],
      2: [granted('SH', 3, 1, P1), release(3)],
    })
    expect(await d.unitState(U)).toEqual({
      generation: 1,
      seq: 3,
      holders: [
        {node: 2, mode: 'SH', seq: 3, callback: 'release'},
        {node: 3, mode: 'SH', seq: 2, callback: 'release'},
      ],
      queue: [
        {node: 4, mode: 'EX', page: P0},
        {node: 5, mode: 'SH', page: P0},
      ],
      upgrading: null,
    })
  })

  it('upgrades a lone SH holder at once, keeping seq and bumping generation', async () => {
    const d = await makeDriver()
    await step(d, acq(1, 'SH'), {type: 'granted', mode: 'SH', seq: 1, generation: 0, page: {page: P0, data: null, version: 0}})
    await step(d, upg(1, 1), {type: 'granted', mode: 'EX', seq: 1, generation: 1, page: null})
    expect(await d.unitState(U)).toEqual({generation: 1, seq: 1, holders: [{node: 1, mode: 'EX', seq: 1, callback: 'none'}], queue: [], upgrading: null})
  })

  it('queues an upgrade ahead of the queue, calls back the other holders, grants it when they leave', async () => {
    const d = await makeDriver()
    await step(d, acq(1, 'SH'), {type: 'granted', mode: 'SH', seq: 1, generation: 0, page: {page: P0, data: null, version: 0}})
    await step(d, acq(2, 'SH'), {type: 'granted', mode: 'SH', seq: 2, generation: 0, page: {page: P0, data: null, version: 0}})
    await step(d, upg(1, 1), {type: 'queued'}, {2: [release(2)]})
    // A fresh SH request waits behind the pending upgrade.
    await step(d, acq(3, 'SH'), {type: 'queued'})
    expect(await d.unitState(U)).toMatchObject({upgrading: 1, queue: [{node: 3, mode: 'SH', page: P0}]})
    await step(d, dem(2, 2, 'UN'), {type: 'demoted', accepted: 0}, {1: [upgraded(1, 1), downgrade(1)]})
    expect(await d.unitState(U)).toEqual({
      generation: 1,
      seq: 2,
      holders: [{node: 1, mode: 'EX', seq: 1, callback: 'downgrade'}],
      queue: [{node: 3, mode: 'SH', page: P0}],
      upgrading: null,
    })
  })

  it('refuses an upgrade while another node is upgrading (conversion deadlock)', async () => {
    const d = await makeDriver()
    await step(d, acq(1, 'SH'), {type: 'granted', mode: 'SH', seq: 1, generation: 0, page: {page: P0, data: null, version: 0}})
    await step(d, acq(2, 'SH'), {type: 'granted', mode: 'SH', seq: 2, generation: 0, page: {page: P0, data: null, version: 0}})
    await step(d, upg(2, 2), {type: 'queued'}, {1: [release(1)]})
    // 1 also has a release pending; the deadlock rule comes first.
    await step(d, upg(1, 1), {type: 'refused', reason: 'conversion-deadlock'})
    // The refused node drops SH (answering the callback) and asks afresh: 2 gets its upgrade.
    await step(d, dem(1, 1, 'UN'), {type: 'demoted', accepted: 0}, {2: [upgraded(2, 1)]})
    await step(d, acq(1, 'EX'), {type: 'queued'}, {2: [release(2)]})
  })

  it('refuses an upgrade when a release callback to the node is pending', async () => {
    const d = await makeDriver()
    await step(d, acq(1, 'SH'), {type: 'granted', mode: 'SH', seq: 1, generation: 0, page: {page: P0, data: null, version: 0}})
    await step(d, acq(2, 'SH'), {type: 'granted', mode: 'SH', seq: 2, generation: 0, page: {page: P0, data: null, version: 0}})
    await step(d, acq(3, 'EX'), {type: 'queued'}, {1: [release(1)], 2: [release(2)]})
    await step(d, upg(1, 1), {type: 'refused', reason: 'callback-pending'})
    expect((await d.unitState(U)).upgrading).toBe(null)
  })

  it('escalates a downgrade callback to release when the head changes, never repeats one', async () => {
    const d = await makeDriver()
    await step(d, acq(1, 'EX'), {type: 'granted', mode: 'EX', seq: 1, generation: 1, page: {page: P0, data: null, version: 0}})
    await step(d, acq(2, 'SH'), {type: 'queued'}, {1: [downgrade(1)]})
    await step(d, acq(3, 'EX'), {type: 'queued'})
    await step(d, acq(4, 'SH'), {type: 'queued'})
    await step(d, cancel(2), {type: 'cancelled'}, {1: [release(1)]})
    await step(d, cancel(4), {type: 'cancelled'})
    // Demote to SH keeps the escalated release; nothing new is sent.
    await step(d, dem(1, 1, 'SH', 1), {type: 'demoted', accepted: 0})
    expect(await d.unitState(U)).toEqual({
      generation: 1,
      seq: 1,
      holders: [{node: 1, mode: 'SH', seq: 1, callback: 'release'}],
      queue: [{node: 3, mode: 'EX', page: P0}],
      upgrading: null,
    })
    await step(d, dem(1, 1, 'UN', 1), {type: 'demoted', accepted: 0}, {3: [granted('EX', 2, 2)]})
  })

  it('demote to SH answers a downgrade and clears the callback', async () => {
    const d = await makeDriver()
    await step(d, acq(1, 'EX'), {type: 'granted', mode: 'EX', seq: 1, generation: 1, page: {page: P0, data: null, version: 0}})
    await step(d, acq(2, 'SH'), {type: 'queued'}, {1: [downgrade(1)]})
    const data = bytes(9, 8, 7)
    await step(d, dem(1, 1, 'SH', 1, [{page: P0, data}]), {type: 'demoted', accepted: 1}, {2: [granted('SH', 2, 1, P0, data, 1)]})
    expect((await d.unitState(U)).holders).toEqual([
      {node: 1, mode: 'SH', seq: 1, callback: 'none'},
      {node: 2, mode: 'SH', seq: 2, callback: 'none'},
    ])
  })

  it('accepts write-backs of the current EX hold and fences stale seq and generation', async () => {
    const d = await makeDriver()
    await step(d, acq(1, 'SH'), {type: 'granted', mode: 'SH', seq: 1, generation: 0, page: {page: P0, data: null, version: 0}})
    await step(d, upg(1, 1), {type: 'granted', mode: 'EX', seq: 1, generation: 1, page: null})
    const v1 = bytes(1, 1)
    const v2 = bytes(2, 2)
    await step(d, wb(1, 1, 1, [{page: P0, data: v1}, {page: P1, data: v1}]), {type: 'written', accepted: 2})
    // Generation before the upgrade: fenced, nothing written.
    await step(d, wb(1, 1, 0, [{page: P0, data: v2}]), {type: 'stale', rejected: 1})
    await step(d, dem(1, 1, 'UN', 0, [{page: P0, data: v2}]), {type: 'stale', rejected: 1})
    expect((await d.unitState(U)).holders).toEqual([{node: 1, mode: 'EX', seq: 1, callback: 'none'}])
    await step(d, dem(1, 1, 'UN', 1, [{page: P0, data: v2}]), {type: 'demoted', accepted: 1})
    expect(await d.disk(P0)).toEqual({page: P0, data: v2, version: 2, generation: 1})
    expect(await d.disk(P1)).toEqual({page: P1, data: v1, version: 1, generation: 1})
    // An old hold's seq after a new grant to the same node: stale.
    await step(d, acq(1, 'EX'), {type: 'granted', mode: 'EX', seq: 2, generation: 2, page: {page: P0, data: v2, version: 2}})
    await step(d, dem(1, 1, 'UN', 1, [{page: P0, data: v1}]), {type: 'stale', rejected: 1})
    await step(d, wb(1, 1, 2, [{page: P0, data: v1}]), {type: 'stale', rejected: 1})
    await step(d, dem(3, 7, 'UN'), {type: 'stale', rejected: 0})
    expect(await d.disk(P0)).toEqual({page: P0, data: v2, version: 2, generation: 1})
    expect((await d.unitState(U)).holders).toEqual([{node: 1, mode: 'EX', seq: 2, callback: 'none'}])
  })

  it('rejects write-backs from an SH hold and leaves the hold in place', async () => {
    const d = await makeDriver()
    await step(d, acq(1, 'SH'), {type: 'granted', mode: 'SH', seq: 1, generation: 0, page: {page: P0, data: null, version: 0}})
    await step(d, dem(1, 1, 'UN', 0, [{page: P0, data: bytes(5)}]), {type: 'stale', rejected: 1})
    await step(d, wb(1, 1, 0, [{page: P0, data: bytes(5)}]), {type: 'stale', rejected: 1})
    await step(d, wb(1, 1, 0, []), {type: 'written', accepted: 0})
    expect((await d.unitState(U)).holders).toEqual([{node: 1, mode: 'SH', seq: 1, callback: 'none'}])
    expect(await d.disk(P0)).toEqual({page: P0, data: null, version: 0, generation: 0})
  })

  it('cancel withdraws a queued request or a pending upgrade, and re-evaluates the head', async () => {
    const d = await makeDriver()
    await step(d, acq(1, 'SH'), {type: 'granted', mode: 'SH', seq: 1, generation: 0, page: {page: P0, data: null, version: 0}})
    await step(d, acq(2, 'EX'), {type: 'queued'}, {1: [release(1)]})
    await step(d, acq(3, 'SH'), {type: 'queued'})
    // The SH behind the cancelled EX head is compatible now: granted in the cancel decision.
    await step(d, cancel(2), {type: 'cancelled'}, {3: [granted('SH', 2, 0)]})
    await step(d, cancel(2), {type: 'not-waiting'})
    await step(d, cancel(3), {type: 'not-waiting'})
    // Cancel an upgrade: the node stays SH; 1's release is still pending (stays set).
    await step(d, upg(3, 2), {type: 'queued'})
    await step(d, cancel(3), {type: 'cancelled'})
    expect(await d.unitState(U)).toEqual({
      generation: 0,
      seq: 2,
      holders: [
        {node: 1, mode: 'SH', seq: 1, callback: 'release'},
        {node: 3, mode: 'SH', seq: 2, callback: 'none'},
      ],
      queue: [],
      upgrading: null,
    })
  })

  it('an upgrader that drops its lock clears the upgrade and frees the queue', async () => {
    const d = await makeDriver()
    await step(d, acq(1, 'SH'), {type: 'granted', mode: 'SH', seq: 1, generation: 0, page: {page: P0, data: null, version: 0}})
    await step(d, acq(2, 'SH'), {type: 'granted', mode: 'SH', seq: 2, generation: 0, page: {page: P0, data: null, version: 0}})
    await step(d, upg(1, 1), {type: 'queued'}, {2: [release(2)]})
    await step(d, acq(3, 'SH'), {type: 'queued'})
    await step(d, dem(1, 1, 'UN'), {type: 'demoted', accepted: 0}, {3: [granted('SH', 3, 0)]})
    expect(await d.unitState(U)).toMatchObject({upgrading: null, queue: []})
  })

  it('page units take only their own page', async () => {
    const d = await makeDriver()
    const unit = 'a/1'
    const r = await d.send(acq(1, 'EX', {unit, page: P1}))
    expect(r.reply).toEqual({type: 'granted', mode: 'EX', seq: 1, generation: 1, page: {page: P1, data: null, version: 0}})
    await expect(d.send(acq(2, 'EX', {unit, page: P0}))).rejects.toThrow(ProtocolError)
    await expect(d.send({type: 'writeback', node: 1, unit, seq: 1, generation: 1, writeback: [{page: P0, data: bytes(1)}]})).rejects.toThrow(ProtocolError)
  })

  it('protocol errors throw and change nothing', async () => {
    const d = await makeDriver()
    await step(d, acq(1, 'SH'), {type: 'granted', mode: 'SH', seq: 1, generation: 0, page: {page: P0, data: null, version: 0}})
    await step(d, acq(2, 'EX'), {type: 'queued'}, {1: [release(1)]})
    const before = await d.unitState(U)
    const bad: ManagerRequest[] = [
      acq(1, 'SH'), // already holds
      acq(2, 'EX'), // already queued
      upg(3, 1), // holds nothing
      upg(1, 9), // wrong seq
      dem(1, 1, 'SH'), // SH -> SH
      acq(4, 'EX', {page: {file: 'b', page: 0}}), // page of another file
      acq(4, 'EX', {page: {file: 'a', page: -1}}), // not a page number
      acq(-1, 'EX'), // not a node id
      acq(1.5, 'EX'),
      upg(1, 1.5), // not a seq
      dem(1, 1, 'UN', 0.5), // not a generation
    ]
    for (const req of bad) await expect(d.send(req), JSON.stringify(req)).rejects.toThrow(ProtocolError)
    expect(await d.unitState(U)).toEqual(before)
    // EX holder asking to upgrade.
    const e = await makeDriver()
    await e.send(acq(1, 'EX'))
    await expect(e.send(upg(1, 1))).rejects.toThrow(ProtocolError)
    // Upgrading twice.
    const f = await makeDriver()
    await f.send(acq(1, 'SH'))
    await f.send(acq(2, 'SH'))
    await f.send(upg(1, 1))
    await expect(f.send(upg(1, 1))).rejects.toThrow(ProtocolError)
  })
}
