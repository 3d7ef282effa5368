// The protocol clock under skew: offsets and rates apply, and it never runs backwards (the node
// core asserts monotonic time; a skew ending used to step it back and kill the node).
import {describe, expect, it} from 'vitest'
import {NO_SKEW, SkewedClock} from '../../src/node/skew-clock.js'

describe('SkewedClock', () => {
  it('applies an offset and a rate, and stands still instead of stepping back when the skew ends', () => {
    let t = 1_000_000
    const clock = new SkewedClock(() => t)
    expect(clock.nowUs()).toBe(1_000_000)
    clock.set({offsetUs: 300_000, rate: 2})
    expect(clock.nowUs()).toBe(1_300_000)
    t += 100_000
    expect(clock.nowUs()).toBe(1_500_000) // twice as fast
    clock.set(NO_SKEW) // back to the true clock, 400 ms behind what the node has seen
    expect(clock.nowUs()).toBe(1_500_000)
    t += 200_000
    expect(clock.nowUs()).toBe(1_500_000)
    t += 300_000
    expect(clock.nowUs()).toBe(1_600_000) // the true clock has caught up
    clock.set({offsetUs: -50_000, rate: 1})
    expect(clock.nowUs()).toBe(1_600_000)
    t += 100_000
    expect(clock.nowUs()).toBe(1_650_000)
  })
})
