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
    [['body', '{"type":"launch"}'], 'control message: unknown type "launch" (known: start, stop, pause, resume, flush, finish, skew)'],
    [['body', '{"type":"start","atUs":"soon"}'], 'control message start: atUs: expected a number, found "soon"'],
  ])('refuses a malformed control entry %j', (fields, message) => {
    expect(() => decodeControl(fields)).toThrow(RemoteMessageError)
    expect(() => decodeControl(fields)).toThrow(message)
  })

  it('accepts the reports nodes send: bucket counts, usage, incarnation, an open-ended total', () => {
    const usage = {userMs: 12.5, systemMs: 3, maxRssKb: 51200}
    const reports = [
      {type: 'ready' as const, node: 0, proc: 2, pid: 9, host: 'h', total: null},
      {type: 'progress' as const, node: 0, proc: 2, ops: 7, latency: {'op:read': [1024, 3, 1100, 1]}, current: null, waits: [], usage},
      {type: 'done' as const, node: 0, proc: 2, ops: 7, counters: {}, histograms: {corrected: {'op:read': [1024, 4]}, uncorrected: {}}, stopped: false, usage: {...usage, maxRssKb: null}},
      {type: 'stopped' as const, node: 0, proc: 2, usage},
      {type: 'stopped' as const, node: 0},
    ]
    for (const r of reports) expect(decodeReport(encodeMessage(0, r as never))).toEqual(r)
  })

  it.each([
    ['{"type":"progress","node":0,"ops":1,"latency":{"op:read":[1024,"3"]}}', 'node report progress: latency.op:read[1]: expected an integer, found "3"'],
    ['{"type":"progress","node":0,"ops":1,"latency":{"op:read":{"1024":3}}}', 'node report progress: latency.op:read: expected an array, found {"1024":3}'],
    ['{"type":"progress","node":0,"ops":1,"latency":{},"usage":{"userMs":1,"systemMs":"2","maxRssKb":null}}', 'node report progress: usage.systemMs: expected a number, found "2"'],
    ['{"type":"done","node":0,"ops":1,"counters":{},"stopped":false,"histograms":{"corrected":{"op:read":"HISTFAAAA"},"uncorrected":{}}}', 'node report done: histograms.corrected.op:read: expected an array, found "HISTFAAAA"'],
    ['{"type":"stopped","node":0,"usage":{"userMs":1,"systemMs":2}}', 'node report stopped: usage.maxRssKb: expected a number, found nothing'],
    ['{"type":"ready","node":0,"pid":1,"host":"h","total":"all"}', 'node report ready: total: expected an integer, found "all"'],
  ])('refuses a report whose new fields are malformed: %s', (body, message) => {
    expect(() => decodeReport(['body', body])).toThrow(RemoteMessageError)
    expect(() => decodeReport(['body', body])).toThrow(message)
  })

  it('names the field that is wrong in a report, nested ones included', () => {
    expect(() => decodeReport(['body', '{"type":"progress","node":0,"ops":1}'])).toThrow('node report progress: latency: expected an object, found nothing')
    expect(() => decodeReport(['body', '{"type":"done","node":0,"ops":1,"counters":{},"stopped":false,"histograms":{"corrected":{}}}'])).toThrow('node report done: histograms.uncorrected: expected an object, found nothing')
    expect(() => decodeReport(['body', '{"type":"done","node":1.5}'])).toThrow('node report done: node: expected an integer, found 1.5')
  })
})
