import {describe, expect, it} from 'vitest'
import {HISTOGRAM_KEYS, parseEncodedHistograms} from '../../src/records/histogram-keys.js'

describe('histogram keys', () => {
  it('lists ops then fault classes', () => {
    expect(HISTOGRAM_KEYS).toEqual([
      'op:read', 'op:write', 'op:copy', 'op:msync',
      'fault:hit', 'fault:cached-lock', 'fault:acquired', 'fault:upgrade', 'fault:after-callback',
    ])
  })
})

describe('parseEncodedHistograms', () => {
  it('accepts the JSON shape and rejects anything else', () => {
    const ok = {corrected: {'op:read': 'HISTF...'}, uncorrected: {'op:read': 'HISTF...'}}
    expect(parseEncodedHistograms(JSON.parse(JSON.stringify(ok)))).toEqual(ok)
    expect(() => parseEncodedHistograms(null)).toThrow(/"corrected" must be an object/)
    expect(() => parseEncodedHistograms({corrected: {}})).toThrow(/"uncorrected" must be an object/)
    expect(() => parseEncodedHistograms({corrected: {'op:read': 1}, uncorrected: {}})).toThrow(/corrected\["op:read"\] must be a string/)
  })
})
