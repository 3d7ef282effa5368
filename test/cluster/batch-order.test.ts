import {describe, expect, it} from 'vitest'
import {BatchOrder, MAX_HELD_BATCHES} from '../../src/cluster/batch-order.js'

describe('BatchOrder', () => {
  it('releases the batches of a process in number order: an early one waits for those before it', () => {
    const order = new BatchOrder<string>()
    expect(order.accept(0, 1, 'a')).toEqual(['a'])
    expect(order.accept(0, 3, 'c')).toEqual([])
    expect(order.accept(0, 4, 'd')).toEqual([])
    expect(order.accept(1, 1, 'x')).toEqual(['x']) // processes are independent
    expect(order.accept(0, 2, 'b')).toEqual(['b', 'c', 'd'])
    expect(order.accept(0, 5, 'e')).toEqual(['e'])
  })

  it('drops a copy already released or already held', () => {
    const order = new BatchOrder<string>()
    order.accept(0, 1, 'a')
    expect(order.accept(0, 1, 'a again')).toEqual([])
    order.accept(0, 3, 'c')
    expect(order.accept(0, 3, 'c again')).toEqual([])
    expect(order.accept(0, 2, 'b')).toEqual(['b', 'c'])
  })

  it('gives a missing batch up past the bound on those held: the rest go on from the earliest held', () => {
    const order = new BatchOrder<number>()
    order.accept(0, 1, 1)
    for (let n = 3; n < 3 + MAX_HELD_BATCHES; n++) expect(order.accept(0, n, n)).toEqual([])
    const released = order.accept(0, 3 + MAX_HELD_BATCHES, 3 + MAX_HELD_BATCHES)
    expect(released).toEqual(Array.from({length: MAX_HELD_BATCHES + 1}, (_, i) => 3 + i))
    expect(order.accept(0, 2, 2)).toEqual([]) // too late: after its successors, it would break the process's time order
  })

  it('drains what is held at the end, by process and number, and refuses a batch number below 1', () => {
    const order = new BatchOrder<string>()
    order.accept(1, 4, 'p1-4')
    order.accept(0, 3, 'p0-3')
    order.accept(1, 2, 'p1-2')
    expect(order.drain()).toEqual([{proc: 0, item: 'p0-3'}, {proc: 1, item: 'p1-2'}, {proc: 1, item: 'p1-4'}])
    expect(order.drain()).toEqual([])
    expect(order.accept(1, 3, 'late')).toEqual([])
    expect(() => order.accept(0, 0, 'zero')).toThrow(/batches count from 1/)
  })
})
