// Wire messages are trusted only after their shape was checked.
import {describe, expect, it} from 'vitest'
import {RemoteMessageError} from '../../src/protocol/errors.js'
import {decodeControl, decodeReport, encodeMessage} from '../../src/records/messages.js'

describe('decoding wire messages', () => {
  it('round-trips well-formed messages', () => {
    expect(decodeControl(encodeMessage(0, {type: 'start', atUs: 5}))).toEqual({type: 'start', atUs: 5})
    const done = {type: 'done' as const, node: 1, ops: 3, counters: {}, histograms: {corrected: {}, uncorrected: {}}, stopped: false}
    expect(decodeReport(encodeMessage(1, done as never))).toEqual(done)
  })

  it.each([
    [['type', 'x'], 'stream entry without body'],
    [['body', '{oops'], 'control message: not JSON'],
    [['body', '{"type":"launch"}'], 'control message: unknown type "launch" (known: start, stop, pause, resume, flush, skew)'],
    [['body', '{"type":"start","atUs":"soon"}'], 'control message start: atUs: expected a number, found "soon"'],
  ])('refuses a malformed control entry %j', (fields, message) => {
    expect(() => decodeControl(fields)).toThrow(RemoteMessageError)
    expect(() => decodeControl(fields)).toThrow(message)
  })

  it('names the field that is wrong in a report, nested ones included', () => {
    expect(() => decodeReport(['body', '{"type":"progress","node":0,"ops":1,"interval":{"corrected":{}}}'])).toThrow('node report progress: interval.uncorrected: expected an object, found nothing')
    expect(() => decodeReport(['body', '{"type":"done","node":1.5}'])).toThrow('node report done: node: expected an integer, found 1.5')
  })
})
