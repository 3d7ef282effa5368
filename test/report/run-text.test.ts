// The run summary's text lines (src/report/run-text.ts) against the run.json figures they show.
import {describe, expect, it} from 'vitest'
import {costText} from '../../src/report/run-text.js'

describe('run summary text', () => {
  it('says the cost line\'s faults leave out hits, which the faults line counts', () => {
    // pingpong: 3000 page accesses, 1340 of them hits; 3318 round trips over the other 1660.
    const line = costText({faults: 1660, roundTripsPerFault: 1.999, roundTripsPerOp: 1.106, callbacksPerOp: 0.553})
    expect(line).toBe('1.999 Redis round trips per fault past the PTE (1660: every class but hit), 1.106 per op, 0.553 callbacks per op')
  })
})
