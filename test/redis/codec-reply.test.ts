// A script's reply is read as the reply to the request that ran it: one a request of another
// kind would get is a bad remote message, not a reply the node core would misread.
import {describe, expect, it} from 'vitest'
import {RemoteMessageError} from '../../src/protocol/errors.js'
import type {ManagerRequest} from '../../src/protocol/types.js'
import {decodeReplyTo} from '../../src/redis/codec.js'

const demote: ManagerRequest = {type: 'demote', node: 1, unit: 'a/0', seq: 1, to: 'UN', generation: 1, writeback: []}
const cancel: ManagerRequest = {type: 'cancel', node: 1, unit: 'a/0'}
const raw = (...parts: (string | number)[]): Buffer[] => parts.map((p) => Buffer.from(String(p)))

describe('decodeReplyTo', () => {
  it('reads the replies a request of its kind can get', () => {
    expect(decodeReplyTo(demote, raw('demoted', 2))).toEqual({type: 'demoted', accepted: 2})
    expect(decodeReplyTo(demote, raw('stale', 1))).toEqual({type: 'stale', rejected: 1})
    expect(decodeReplyTo(cancel, raw('not-waiting'))).toEqual({type: 'not-waiting'})
  })

  it('refuses a well-formed reply of another kind of request', () => {
    expect(() => decodeReplyTo(demote, raw('granted', 'EX', 1, 1))).toThrow(RemoteMessageError)
    expect(() => decodeReplyTo(demote, raw('granted', 'EX', 1, 1))).toThrow(/demote script answered granted/)
    expect(() => decodeReplyTo(cancel, raw('queued'))).toThrow(RemoteMessageError)
  })
})
