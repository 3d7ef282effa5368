import {describe, expect, it} from 'vitest'
import {createManager, decide, declareDead, diskPage, diskRecord, purge, unitState, type ManagerModel} from '../../src/protocol/manager.js'
import {acq, bytes, defineScenarios, dem, P0, U, upg, type Driver} from '../redis/scenarios.js'

function modelDriver(m: ManagerModel = createManager()): Driver {
  return {
    send: async (req) => decide(m, req),
    unitState: async (unit) => unitState(m, unit),
    disk: async (page) => diskRecord(m, page),
  }
}

describe('manager model: protocol scenarios', () => {
  defineScenarios(async () => modelDriver())
})

describe('manager model: details', () => {
  it('an untouched unit and page read as empty', () => {
    const m = createManager()
    expect(unitState(m, 'zz')).toEqual({generation: 0, seq: 0, holders: [], queue: [], upgrading: null})
    expect(diskPage(m, P0)).toEqual({page: P0, data: null, version: 0})
  })

  it('emits messages in rule order across nodes: grants in FIFO order, then callbacks in node order', () => {
    const m = createManager()
    decide(m, acq(1, 'EX'))
    decide(m, acq(3, 'SH'))
    decide(m, acq(2, 'SH'))
    decide(m, acq(4, 'EX'))
    const {out} = decide(m, dem(1, 1, 'UN', 1))
    expect(out.map((o) => [o.to, o.message.type])).toEqual([
      [3, 'grant'],
      [2, 'grant'],
      [2, 'callback'],
      [3, 'callback'],
    ])
  })

  it('callbacks go out in increasing node order', () => {
    const m = createManager()
    for (const node of [5, 2, 9, 1]) decide(m, acq(node, 'SH'))
    const {out} = decide(m, acq(3, 'EX'))
    expect(out.map((o) => o.to)).toEqual([1, 2, 5, 9])
  })

  it('does not alias caller or reply buffers', () => {
    const m = createManager()
    decide(m, acq(1, 'EX'))
    const data = bytes(1, 2, 3)
    decide(m, {type: 'writeback', node: 1, unit: U, seq: 1, generation: 1, writeback: [{page: P0, data}]})
    data[0] = 99
    const read = diskPage(m, P0)
    expect(read.data).toEqual(bytes(1, 2, 3))
    read.data?.fill(0)
    expect(diskPage(m, P0).data).toEqual(bytes(1, 2, 3))
  })

  it('asserts its invariants: a corrupted state is caught on the next decision', () => {
    const m = createManager()
    decide(m, acq(1, 'EX'))
    const u = m.units.get(U)
    if (u === undefined) throw new Error('unit exists')
    u.holders.set(2, {mode: 'EX', seq: 1, callback: 'none'})
    expect(() => decide(m, {type: 'cancel', node: 7, unit: U})).toThrow(/invariant/)
  })
})

describe('node death (lease expiry)', () => {
  it('purging a dead EX holder bumps the generation, grants the waiter, and fences the dead node', () => {
    const m = createManager()
    decide(m, acq(1, 'EX'))
    decide(m, acq(2, 'EX'))
    expect(declareDead(m, 1)).toEqual(['a'])
    const {reply, out} = purge(m, 1, 'a')
    expect(reply).toEqual({type: 'purged', held: 'EX', waiting: false})
    // gen 1 was node 1's hold; the purge made it 2; node 2's grant is 3.
    expect(out).toEqual([{to: 2, message: expect.objectContaining({type: 'grant', mode: 'EX', seq: 2, generation: 3})}])
    const late = decide(m, {type: 'writeback', node: 1, unit: 'a', seq: 1, generation: 1, writeback: [{page: {file: 'a', page: 0}, data: new Uint8Array([1])}]})
    expect(late.reply).toEqual({type: 'stale', rejected: 1})
    expect(diskRecord(m, {file: 'a', page: 0}).version).toBe(0)
    expect(() => decide(m, acq(1, 'SH'))).toThrow(/node 1 is dead/)
  })

  it('purging a dead waiter removes it from the queue without granting anything', () => {
    const m = createManager()
    decide(m, acq(1, 'EX'))
    decide(m, acq(2, 'EX'))
    decide(m, acq(3, 'SH'))
    declareDead(m, 2)
    const {reply, out} = purge(m, 2, 'a')
    expect(reply).toEqual({type: 'purged', held: null, waiting: true})
    expect(out).toEqual([])
    expect(unitState(m, 'a').queue.map((w) => w.node)).toEqual([3])
  })
})
