// The node-side broken variants (`--break`) in the pure core: each is exactly its one deviation
// (the correct core, same inputs, does the right thing), and the core's own invariants still hold.
import {describe, expect, it} from 'vitest'
import {NodeCore} from '../../src/protocol/node-core.js'
import type {BreakVariant} from '../../src/protocol/break.js'
import type {NodeEffect, NodeInput, PageRef} from '../../src/protocol/types.js'

const A0: PageRef = {file: 'a', page: 0}
const page = (n: number) => new Uint8Array(4).fill(n)

function node(breakVariant: BreakVariant | null) {
  const core = new NodeCore({node: 1, granularity: 'page', states: 'shared', downgrade: 'unmap', holdTimeUs: 0, pageSize: 4, breakVariant})
  let now = 0
  const step = (input: NodeInput): NodeEffect[] => {
    const out = core.step(++now, input)
    core.assertInvariants()
    return out
  }
  return {
    core,
    step,
    /** Write a/0 under a fresh EX grant (seq 1, generation 1). */
    writeUnderEx(id: number, n: number) {
      step({type: 'access', id, page: A0, kind: 'write', data: page(n)})
      return step({type: 'reply', unit: 'a/0', request: 'acquire', reply: {type: 'granted', mode: 'EX', seq: 1, generation: 1, page: {page: A0, data: null, version: 0}}})
    },
    release(seq: number) {
      return step({type: 'message', message: {type: 'callback', unit: 'a/0', kind: 'release', seq}})
    },
  }
}

const demoteOf = (effects: NodeEffect[]) => effects.flatMap((e) => (e.type === 'send' && e.request.type === 'demote' ? [e.request] : []))
const ptes = (effects: NodeEffect[]) => effects.filter((e) => e.type === 'pte')

describe('node-side --break variants in the core', () => {
  it('skip-writeback: the release demotes with no pages; the correct core carries the dirty page', () => {
    for (const variant of [null, 'skip-writeback'] as const) {
      const n = node(variant)
      n.writeUnderEx(1, 7)
      const [demote] = demoteOf(n.release(1))
      expect(demote?.to).toBe('UN')
      expect(demote?.writeback.length).toBe(variant === null ? 1 : 0)
    }
  })

  it('skip-invalidate: the release leaves the RW mapping (no PTE change) and a later write hits it without a lock', () => {
    const correct = node(null)
    correct.writeUnderEx(1, 7)
    expect(ptes(correct.release(1))).toEqual([{type: 'pte', page: A0, from: 'RW', to: 'none', unit: 'a/0', seq: 1, generation: 1}])

    const broken = node('skip-invalidate')
    broken.writeUnderEx(1, 7)
    const released = broken.release(1)
    expect(ptes(released)).toEqual([])
    expect(demoteOf(released)).toHaveLength(1)
    broken.step({type: 'reply', unit: 'a/0', request: 'demote', reply: {type: 'demoted', accepted: 1}})
    expect(broken.core.heldMode('a/0')).toBe('UN')
    // No fault, no request: the MMU still maps the page RW.
    expect(broken.step({type: 'access', id: 2, page: A0, kind: 'write', data: page(9)})).toEqual([{type: 'access-done', id: 2, data: page(9), fault: 'hit'}])
  })

  it('stale-read: after a release, a read fault is served from the kept cache without asking for the lock', () => {
    for (const variant of [null, 'stale-read'] as const) {
      const n = node(variant)
      n.writeUnderEx(1, 7)
      n.release(1)
      n.step({type: 'reply', unit: 'a/0', request: 'demote', reply: {type: 'demoted', accepted: 1}})
      const read = n.step({type: 'access', id: 2, page: A0, kind: 'read', data: null})
      if (variant === null) expect(read).toEqual([{type: 'send', request: {type: 'acquire', node: 1, unit: 'a/0', mode: 'SH', page: A0, try: false}}])
      else expect(read).toEqual([{type: 'access-done', id: 2, data: page(7), fault: 'cached-lock'}])
    }
  })
})
