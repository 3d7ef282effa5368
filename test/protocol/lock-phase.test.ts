// The named phases of an acquire/upgrade in flight against the three flags they replaced
// (replied, granted, cancel): from `sent`, the flags reach exactly the seven phases, and every
// event moves a phase where the flags moved its flags (the table refuses only what the flags
// would have let through unnoticed: a second reply).
import {describe, expect, it} from 'vitest'
import {isGranted, lockMove, type LockEvent, type LockNext, type LockPhase} from '../../src/protocol/lock-phase.js'

interface Flags {
  readonly replied: boolean
  readonly granted: boolean
  readonly cancel: 'wanted' | 'sent' | undefined
}

const FLAGS: Record<LockPhase, Flags> = {
  sent: {replied: false, granted: false, cancel: undefined},
  'sent-abandoned': {replied: false, granted: false, cancel: 'wanted'},
  'granted-early': {replied: false, granted: true, cancel: undefined},
  'granted-early-abandoned': {replied: false, granted: true, cancel: 'wanted'},
  queued: {replied: true, granted: false, cancel: undefined},
  cancelling: {replied: true, granted: false, cancel: 'sent'},
  'cancelling-granted': {replied: true, granted: true, cancel: 'sent'},
}
const PHASES = Object.keys(FLAGS) as LockPhase[]
const EVENTS: LockEvent[] = ['reply-granted', 'reply-refused', 'reply-busy', 'reply-queued', 'grant', 'abandon', 'cancelled', 'not-waiting']

type Old = Flags | 'done' | 'illegal'

/** The node core's rules as they were written on the flags (src/protocol/node-core.ts before the phases). */
function oldMove(f: Flags, e: LockEvent): Old {
  switch (e) {
    case 'reply-granted':
    case 'reply-busy':
      return !f.granted && !f.replied ? 'done' : 'illegal'
    case 'reply-refused':
      return !f.granted ? 'done' : 'illegal'
    case 'reply-queued':
      if (f.replied) return 'illegal'
      if (f.granted) return 'done'
      return {...f, replied: true, cancel: f.cancel === 'wanted' ? 'sent' : f.cancel}
    case 'grant':
      if (f.granted) return 'illegal'
      return f.replied && f.cancel !== 'sent' ? 'done' : {...f, granted: true}
    case 'abandon':
      if (f.granted || f.cancel !== undefined) return f
      return {...f, cancel: f.replied ? 'sent' : 'wanted'}
    case 'cancelled':
      return f.cancel === 'sent' && !f.granted ? 'done' : 'illegal'
    case 'not-waiting':
      if (f.cancel !== 'sent') return 'illegal'
      return f.granted ? 'done' : {...f, cancel: undefined}
  }
}

const key = (f: Old): string => (typeof f === 'string' ? f : `${f.replied}/${f.granted}/${f.cancel}`)
const asOld = (n: LockNext | undefined): Old => (n === undefined ? 'illegal' : n === 'done' ? 'done' : FLAGS[n])

describe('lock phases', () => {
  it('are exactly the flag combinations reachable from a fresh request', () => {
    const seen = new Map<string, Flags>()
    const todo: Flags[] = [FLAGS.sent]
    while (todo.length > 0) {
      const f = todo.pop()!
      if (seen.has(key(f))) continue
      seen.set(key(f), f)
      for (const e of EVENTS) {
        const n = oldMove(f, e)
        if (typeof n !== 'string') todo.push(n)
      }
    }
    expect([...seen.keys()].sort()).toEqual(PHASES.map((p) => key(FLAGS[p])).sort())
  })

  it('move where the flags moved, and refuse a reply after the queued one', () => {
    for (const p of PHASES) {
      for (const e of EVENTS) {
        const was = oldMove(FLAGS[p], e)
        const now = asOld(lockMove(p, e))
        // The flags only checked `!granted` for a refusal; a refusal after `queued` is a second reply.
        if (e === 'reply-refused' && FLAGS[p].replied && !FLAGS[p].granted) expect([p, e, key(now)]).toEqual([p, e, 'illegal'])
        else expect([p, e, key(now)]).toEqual([p, e, key(was)])
      }
    }
  })

  it('send the cancel exactly when the flags set cancel to sent', () => {
    for (const p of PHASES) {
      for (const e of EVENTS) {
        const was = oldMove(FLAGS[p], e)
        const sentBefore = typeof was !== 'string' && was.cancel === 'sent' && FLAGS[p].cancel !== 'sent'
        const next = lockMove(p, e)
        const sentNow = next === 'cancelling' && p !== 'cancelling'
        expect([p, e, sentNow]).toEqual([p, e, sentBefore])
      }
    }
  })

  it('count as granted exactly where the grant flag was set', () => {
    for (const p of PHASES) expect([p, isGranted(p)]).toEqual([p, FLAGS[p].granted])
  })
})
