import {describe, expect, it} from 'vitest'
import {decodeStamp, encodeStamp, zeroPage} from '../../src/protocol/page-data.js'

describe('page stamps', () => {
  it('round-trips a stamp through a whole page of any size', () => {
    for (const size of [16, 64, 100, 4096]) {
      const page = encodeStamp('n1:42', size)
      expect(page).toHaveLength(size)
      expect(decodeStamp(page)).toBe('n1:42')
    }
  })

  it('fills the page with the pattern, so every byte belongs to the write', () => {
    const page = encodeStamp('ab', 7)
    expect([...page]).toEqual([97, 98, 0, 97, 98, 0, 97])
  })

  it('reads a never-written page as null', () => {
    expect(decodeStamp(zeroPage(4096))).toBeNull()
  })

  it('detects a torn page (two writes mixed) and a corrupt byte', () => {
    const a = encodeStamp('n0:1', 4096)
    const b = encodeStamp('n1:9', 4096)
    const torn = new Uint8Array(4096)
    torn.set(a.subarray(0, 2048))
    torn.set(b.subarray(2048), 2048)
    expect(decodeStamp(torn)).toMatch(/^corrupt:/)
    const flipped = encodeStamp('n0:1', 4096)
    flipped[3000] = flipped[3000]! ^ 1
    expect(decodeStamp(flipped)).toMatch(/^corrupt:/)
    const dirtyZero = zeroPage(64)
    dirtyZero[63] = 1
    expect(decodeStamp(dirtyZero)).toMatch(/^corrupt:/)
  })

  it('refuses stamps that cannot be encoded', () => {
    expect(() => encodeStamp('', 64)).toThrow()
    expect(() => encodeStamp('a\0b', 64)).toThrow()
    expect(() => encodeStamp('x'.repeat(100), 64)).toThrow(/longer than a page/)
  })
})
