import {describe, expect, it} from 'vitest'

import {checkRegisterHistory, generateRegisterHistory} from '../../src/check/linearizability/index.js'
import {hardHistory, history} from './helpers.js'

describe('limits', () => {
  it('gives up with "unknown", never a guess, when the deadline passes', () => {
    const r = checkRegisterHistory(hardHistory(40), {deadline: Date.now() + 50})
    expect(r.valid).toBe('unknown')
    expect(r.gaveUp).toEqual({key: null, reason: 'deadline'})
    expect(r.failure).toBeUndefined()
    expect(r.keysChecked).toBe(0)
  })

  it('checks nothing once the deadline has passed', () => {
    const r = checkRegisterHistory(history([0, 'invoke', 'write', 1], [0, 'ok', 'write', 1]), {deadline: Date.now() - 1})
    expect(r).toMatchObject({valid: 'unknown', gaveUp: {key: null, reason: 'deadline'}, keysChecked: 0})
  })

  it('gives up on a register past the state limit, but still finds a bad one after it', () => {
    const hard = hardHistory(16).map((e) => ({...e, key: 'hard'}))
    const r = checkRegisterHistory(hard, {maxStates: 1000})
    expect(r).toMatchObject({valid: 'unknown', gaveUp: {key: 'hard', reason: 'state-limit'}})
    const bad = history([100, 'invoke', 'read', null, 'bad'], [100, 'ok', 'read', 'x', 'bad'])
    const both = checkRegisterHistory([...hard, ...bad], {maxStates: 1000})
    expect(both.valid).toBe(false)
    expect(both.failure?.key).toBe('bad')
  })

  it('refutes the hard history when given the time', () => {
    const r = checkRegisterHistory(hardHistory(10))
    expect(r.valid).toBe(false)
    expect(r.states).toBeGreaterThan(1000)
  })
})

describe('scaling (work, not time)', () => {
  it('visits about one state per op on long and many-key histories', () => {
    for (const keys of [1, 100]) {
      const r = checkRegisterHistory(generateRegisterHistory({seed: 9, ops: 100_000, keys, processes: 16, cas: 0.1, info: 0.01, fail: 0.01}))
      expect(r.valid).toBe(true)
      expect(r.keys).toBe(keys)
      expect(r.states).toBeLessThan(2 * r.ops)
    }
  })
})
