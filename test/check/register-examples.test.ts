import {describe, expect, it} from 'vitest'

import {checkRegisterHistory} from '../../src/check/linearizability/index.js'
import {history, referenceLinearizable} from './helpers.js'

const check = (entries: Parameters<typeof checkRegisterHistory>[0]) => checkRegisterHistory(entries)

describe('register histories written by hand', () => {
  it('accepts an empty history', () => {
    expect(check([])).toMatchObject({valid: true, keys: 0, ops: 0})
  })

  it('accepts a sequential history', () => {
    const h = history(
      [0, 'invoke', 'write', 1],
      [0, 'ok', 'write', 1],
      [1, 'invoke', 'read', null],
      [1, 'ok', 'read', 1],
      [0, 'invoke', 'write', 2],
      [0, 'ok', 'write', 2],
      [1, 'invoke', 'read', null],
      [1, 'ok', 'read', 2],
    )
    expect(check(h)).toMatchObject({valid: true, keys: 1, ops: 4})
  })

  it('accepts null reads of a register never written yet', () => {
    const h = history([0, 'invoke', 'read', null], [0, 'ok', 'read', null], [1, 'invoke', 'write', 'x'], [1, 'ok', 'write', 'x'])
    expect(check(h).valid).toBe(true)
  })

  it('rejects a null read after a completed write', () => {
    const h = history([1, 'invoke', 'write', 'x'], [1, 'ok', 'write', 'x'], [0, 'invoke', 'read', null], [0, 'ok', 'read', null])
    expect(check(h).valid).toBe(false)
  })

  it('accepts concurrent writes read in either order', () => {
    for (const [first, second] of [
      [1, 2],
      [2, 1],
    ]) {
      const h = history(
        [0, 'invoke', 'write', 1],
        [1, 'invoke', 'write', 2],
        [0, 'ok', 'write', 1],
        [1, 'ok', 'write', 2],
        [2, 'invoke', 'read', null],
        [2, 'ok', 'read', second],
      )
      expect(check(h).valid).toBe(true)
      // A read overlapping both writes may even see the one that ends up overwritten.
      const overlapping = history(
        [0, 'invoke', 'write', 1],
        [1, 'invoke', 'write', 2],
        [2, 'invoke', 'read', null],
        [2, 'ok', 'read', first],
        [0, 'ok', 'write', 1],
        [1, 'ok', 'write', 2],
        [2, 'invoke', 'read', null],
        [2, 'ok', 'read', second],
      )
      expect(check(overlapping).valid).toBe(true)
    }
  })

  it('rejects two reads after concurrent writes that disagree', () => {
    const h = history(
      [0, 'invoke', 'write', 1],
      [1, 'invoke', 'write', 2],
      [0, 'ok', 'write', 1],
      [1, 'ok', 'write', 2],
      [2, 'invoke', 'read', null],
      [2, 'ok', 'read', 1],
      [2, 'invoke', 'read', null],
      [2, 'ok', 'read', 2],
    )
    expect(check(h).valid).toBe(false)
  })

  it('rejects a stale read after a completed write, and reports it', () => {
    const h = history(
      [0, 'invoke', 'write', 1],
      [0, 'ok', 'write', 1],
      [0, 'invoke', 'write', 2],
      [0, 'ok', 'write', 2],
      [1, 'invoke', 'read', null],
      [1, 'ok', 'read', 1],
    )
    const r = check(h)
    expect(r.valid).toBe(false)
    expect(r.failure?.key).toBeNull()
    expect(r.failure?.prefix.map((op) => op.value)).toEqual([1, 2])
    expect(r.failure?.valueAfterPrefix).toBe(2)
    expect(r.failure?.blocked).toMatchObject({process: 1, f: 'read', value: 1, outcome: 'ok', invokeLine: 5, completeLine: 6})
  })

  it('rejects a read of a value never written', () => {
    const h = history([0, 'invoke', 'write', 1], [1, 'invoke', 'read', null], [1, 'ok', 'read', 7], [0, 'ok', 'write', 1])
    const r = check(h)
    expect(r.valid).toBe(false)
    expect(r.failure?.blocked.value).toBe(7)
  })

  it('compares values by value and by type', () => {
    const ok = history([0, 'invoke', 'write', 'n1:1'], [0, 'ok', 'write', 'n1:1'], [1, 'invoke', 'read', null], [1, 'ok', 'read', 'n1:1'])
    expect(check(structuredClone(ok)).valid).toBe(true)
    const typed = history([0, 'invoke', 'write', 1], [0, 'ok', 'write', 1], [1, 'invoke', 'read', null], [1, 'ok', 'read', '1'])
    expect(check(typed).valid).toBe(false)
  })

  it('lets an info write take effect after it was reported', () => {
    const h = history(
      [0, 'invoke', 'write', 1],
      [0, 'info', 'write', 1],
      [1, 'invoke', 'read', null],
      [1, 'ok', 'read', null],
      [1, 'invoke', 'read', null],
      [1, 'ok', 'read', 1],
    )
    expect(check(h).valid).toBe(true)
  })

  it('lets an unfinished write take effect at any later point, or never', () => {
    const h = history([0, 'invoke', 'write', 1], [1, 'invoke', 'read', null], [1, 'ok', 'read', null], [1, 'invoke', 'read', null], [1, 'ok', 'read', 1])
    expect(check(h).valid).toBe(true)
    expect(check(history([0, 'invoke', 'write', 1], [1, 'invoke', 'read', null], [1, 'ok', 'read', null])).valid).toBe(true)
  })

  it('rejects a read of an info write made before the write was invoked', () => {
    const h = history([1, 'invoke', 'read', null], [1, 'ok', 'read', 1], [0, 'invoke', 'write', 1], [0, 'info', 'write', 1])
    expect(check(h).valid).toBe(false)
  })

  it('rejects an info write that would have to happen twice', () => {
    const h = history(
      [0, 'invoke', 'write', 1],
      [0, 'info', 'write', 1],
      [1, 'invoke', 'read', null],
      [1, 'ok', 'read', 1],
      [2, 'invoke', 'write', 2],
      [2, 'ok', 'write', 2],
      [1, 'invoke', 'read', null],
      [1, 'ok', 'read', 2],
      [1, 'invoke', 'read', null],
      [1, 'ok', 'read', 1],
    )
    expect(check(h).valid).toBe(false)
  })

  it('drops failed writes', () => {
    const h = history([0, 'invoke', 'write', 1], [0, 'fail', 'write', 1], [1, 'invoke', 'read', null], [1, 'ok', 'read', 1])
    expect(check(h).valid).toBe(false)
    expect(check(h).dropped).toBe(1)
  })

  it('drops reads that did not return', () => {
    const h = history(
      [0, 'invoke', 'write', 1],
      [0, 'ok', 'write', 1],
      [1, 'invoke', 'read', null],
      [1, 'info', 'read', null],
      [2, 'invoke', 'read', null],
      [2, 'fail', 'read', null],
      [3, 'invoke', 'read', null],
    )
    expect(check(h)).toMatchObject({valid: true, ops: 1, dropped: 3})
  })

  describe('cas', () => {
    it('accepts an ok cas whose comparison held, and rejects one whose did not', () => {
      const base = [
        [0, 'invoke', 'write', 1],
        [0, 'ok', 'write', 1],
      ] as const
      expect(check(history(...base, [1, 'invoke', 'cas', [1, 2]], [1, 'ok', 'cas', [1, 2]], [2, 'invoke', 'read', null], [2, 'ok', 'read', 2])).valid).toBe(true)
      expect(check(history(...base, [1, 'invoke', 'cas', [3, 2]], [1, 'ok', 'cas', [3, 2]])).valid).toBe(false)
      expect(check(history(...base, [1, 'invoke', 'cas', [1, 2]], [1, 'ok', 'cas', [1, 2]], [2, 'invoke', 'read', null], [2, 'ok', 'read', 1])).valid).toBe(
        false,
      )
    })

    it('drops a failed cas, even one whose comparison must have held (as Knossos does)', () => {
      const h = history(
        [0, 'invoke', 'write', 1],
        [0, 'ok', 'write', 1],
        [1, 'invoke', 'cas', [1, 2]],
        [1, 'fail', 'cas', [1, 2]],
        [2, 'invoke', 'read', null],
        [2, 'ok', 'read', 1],
      )
      expect(check(h)).toMatchObject({valid: true, ops: 2, dropped: 1})
      // A failed cas did not write either.
      const wrote = history(
        [0, 'invoke', 'write', 1],
        [0, 'ok', 'write', 1],
        [1, 'invoke', 'cas', [1, 2]],
        [1, 'fail', 'cas', [1, 2]],
        [2, 'invoke', 'read', null],
        [2, 'ok', 'read', 2],
      )
      expect(check(wrote).valid).toBe(false)
    })

    it('lets an info cas take effect when its comparison holds, or not at all', () => {
      const h = history(
        [0, 'invoke', 'write', 1],
        [0, 'ok', 'write', 1],
        [1, 'invoke', 'cas', [1, 2]],
        [1, 'info', 'cas', [1, 2]],
        [2, 'invoke', 'read', null],
        [2, 'ok', 'read', 1],
        [2, 'invoke', 'read', null],
        [2, 'ok', 'read', 2],
      )
      expect(check(h).valid).toBe(true)
      const mismatch = history(
        [0, 'invoke', 'write', 1],
        [0, 'ok', 'write', 1],
        [1, 'invoke', 'cas', [5, 2]],
        [1, 'info', 'cas', [5, 2]],
        [2, 'invoke', 'read', null],
        [2, 'ok', 'read', 2],
      )
      expect(check(mismatch).valid).toBe(false)
    })

    it('takes the pair from the completion when the invoke left it out', () => {
      const h: Parameters<typeof checkRegisterHistory>[0] = [
        {process: 0, type: 'invoke', f: 'cas', value: [null, 1]},
        {process: 0, type: 'ok', f: 'cas', value: [null, 1]},
        {process: 1, type: 'invoke', f: 'read'},
        {process: 1, type: 'ok', f: 'read', value: 1},
      ]
      expect(check(h).valid).toBe(true)
    })
  })

  describe('several keys', () => {
    const twoKeys = history(
      [0, 'invoke', 'write', 1, 'a'],
      [1, 'invoke', 'write', 1, 'b'],
      [0, 'ok', 'write', 1, 'a'],
      [1, 'ok', 'write', 1, 'b'],
      [0, 'invoke', 'write', 2, 'a'],
      [0, 'ok', 'write', 2, 'a'],
      [1, 'invoke', 'read', null, 'b'],
      [1, 'ok', 'read', 1, 'b'],
      [1, 'invoke', 'read', null, 'a'],
      [1, 'ok', 'read', 2, 'a'],
    )

    it('checks each key as its own register', () => {
      expect(check(twoKeys)).toMatchObject({valid: true, keys: 2, keysChecked: 2, ops: 5})
    })

    it('reports the key that is not linearizable', () => {
      const bad = [...twoKeys, ...history([2, 'invoke', 'read', null, 'b'], [2, 'ok', 'read', null, 'b'])]
      const r = check(bad)
      expect(r.valid).toBe(false)
      expect(r.failure?.key).toBe('b')
      expect(r.failure?.blocked).toMatchObject({key: 'b', value: null, invokeLine: 11})
    })

    it('keeps keys with the same value apart', () => {
      // Key a's value 1 must not satisfy key b's read.
      const h = history([0, 'invoke', 'write', 1, 'a'], [0, 'ok', 'write', 1, 'a'], [1, 'invoke', 'read', null, 'b'], [1, 'ok', 'read', 1, 'b'])
      expect(check(h).failure?.key).toBe('b')
    })
  })

  it('carries index and time of the invoke into reports', () => {
    const h = [
      {index: 0, time: 10, process: 0, type: 'invoke', f: 'write', key: 'a/0', value: 'n0:1'},
      {index: 1, time: 20, process: 0, type: 'ok', f: 'write', key: 'a/0', value: 'n0:1'},
      {index: 2, time: 30, process: 1, type: 'invoke', f: 'read', key: 'a/0', value: null},
      {index: 3, time: 40, process: 1, type: 'ok', f: 'read', key: 'a/0', value: 'n9:9'},
    ] as const
    expect(check(h).failure?.blocked).toMatchObject({index: 2, time: 30, key: 'a/0', invokeLine: 3, completeLine: 4})
  })

  it('ignores nemesis entries', () => {
    const h = [
      {process: 'nemesis', type: 'info', f: 'start-partition', value: 'cut'},
      ...history([0, 'invoke', 'write', 1], [0, 'ok', 'write', 1]),
    ] as unknown as Parameters<typeof checkRegisterHistory>[0]
    expect(check(h)).toMatchObject({valid: true, ops: 1})
  })
})

// Histories from Knossos' test data (jepsen-io/knossos, data/cas-register), in JSON form.
describe('Knossos classics', () => {
  it('cas-register-bug (good): reads after writes, with a crashed read', () => {
    const h = history(
      [4, 'invoke', 'write', 2],
      [4, 'ok', 'write', 2],
      [6, 'invoke', 'read', null],
      [1, 'invoke', 'write', 4],
      [1, 'ok', 'write', 4],
      [14, 'invoke', 'read', 4],
      [14, 'ok', 'read', 4],
      [9, 'invoke', 'write', 0],
      [9, 'ok', 'write', 0],
      [19, 'invoke', 'read', 0],
      [19, 'ok', 'read', 0],
    )
    expect(check(h).valid).toBe(true)
  })

  it('bad-analysis: two spurious concurrent reads of 3 and 2', () => {
    const h = history(
      [4, 'invoke', 'write', 2],
      [4, 'ok', 'write', 2],
      [6, 'invoke', 'read', null],
      [1, 'invoke', 'write', 4],
      [1, 'ok', 'write', 4],
      [14, 'invoke', 'read', 4],
      [14, 'ok', 'read', 4],
      [9, 'invoke', 'write', 0],
      [9, 'ok', 'write', 0],
      [19, 'invoke', 'read', 0],
      [20, 'invoke', 'write', 1],
      [19, 'ok', 'read', 0],
      [22, 'invoke', 'read', 3],
      [21, 'invoke', 'read', 2],
      [21, 'ok', 'read', 2],
      [22, 'ok', 'read', 3],
    )
    const r = check(h)
    expect(r.valid).toBe(false)
    expect(referenceLinearizable(h)).toBe(false)
  })

  it('rethink-fail-minimal: blames the bad read, not the op after it', () => {
    const h = history(
      [0, 'invoke', 'write', 0],
      [0, 'ok', 'write', 0],
      [1, 'invoke', 'read', null],
      [2, 'invoke', 'write', 4],
      [1, 'ok', 'read', 3],
      [2, 'ok', 'write', 4],
      [3, 'invoke', 'read', null],
      [3, 'ok', 'read', 4],
    )
    const r = check(h)
    expect(r.valid).toBe(false)
    expect(r.failure?.blocked).toMatchObject({process: 1, f: 'read', value: 3})
  })

  it('immediate-failure: a read of a value only a failed write wrote', () => {
    const h = history([1, 'invoke', 'read', null], [101, 'invoke', 'write', 3], [101, 'fail', 'write', 3], [1, 'ok', 'read', 3])
    expect(check(h).valid).toBe(false)
  })

  it('cas-failure (its ending): a stale read after a write completed, with a crashed cas pending', () => {
    const h = history(
      [75, 'invoke', 'write', 0],
      [75, 'ok', 'write', 0],
      [70, 'invoke', 'read', null],
      [78, 'invoke', 'cas', [1, 3]],
      [77, 'invoke', 'cas', [1, 1]],
      [76, 'invoke', 'write', 2],
      [75, 'invoke', 'cas', [0, 0]],
      [79, 'invoke', 'cas', [2, 1]],
      [73, 'invoke', 'read', null],
      [74, 'invoke', 'read', null],
      [71, 'invoke', 'read', null],
      [76, 'ok', 'write', 2],
      [75, 'fail', 'cas', [0, 0]],
      [79, 'fail', 'cas', [2, 1]],
      [78, 'fail', 'cas', [1, 3]],
      [70, 'ok', 'read', 0],
      [73, 'ok', 'read', 0],
      [74, 'ok', 'read', 0],
      [71, 'fail', 'read', null],
      [76, 'invoke', 'write', 1],
      [76, 'fail', 'write', 1],
      [77, 'info', 'cas', [1, 1]],
      [70, 'invoke', 'read', null],
      [70, 'ok', 'read', 0],
    )
    const r = check(h)
    expect(r.valid).toBe(false)
    expect(r.failure?.blocked).toMatchObject({process: 70, value: 0, invokeLine: 23})
    expect(referenceLinearizable(h)).toBe(false)
    // Without the last read it is fine.
    expect(check(h.slice(0, -2)).valid).toBe(true)
  })
})
