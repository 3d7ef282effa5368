import {describe, expect, it} from 'vitest'
import {RecordBuffer} from '../../src/node/record-buffer.js'
import {decodeReport, historyFromWire, historyToWire, type HistoryReport} from '../../src/records/messages.js'
import {RemoteMessageError} from '../../src/protocol/errors.js'
import type {HistoryEntry, LockEntry, TraceEntry} from '../../src/records/history.js'
import type {RequestLogEntry} from '../../src/records/request-log.js'

const entry = (i: number): HistoryEntry => ({index: -1, time: i * 1000, process: 2, type: i % 2 === 0 ? 'invoke' : 'ok', f: 'write', key: 'a/0', value: i % 3 === 0 ? null : `n2:${i}`})
const trace: TraceEntry = {time: 5, node: 2, key: 'a/0', from: 'none', to: 'RW', unit: 'a/0', seq: 3, generation: 1}
const lock: LockEntry = {time: 6, node: 2, unit: 'a/0', event: 'grant', mode: 'EX', seq: 3, generation: 1}
const request: RequestLogEntry = {time: 7, node: 2, unit: 'a/0', event: 'request', request: 'acquire', mode: 'EX'}

const history = (r: ReturnType<typeof decodeReport>): HistoryReport => {
  if (r.type !== 'history') throw new Error(`not a history report: ${r.type}`)
  return r
}

describe('RecordBuffer (records encoded as they are made, joined at a flush)', () => {
  it('drains into a history report whose records decodeReport parses, keeping the text they came in', () => {
    const buffer = new RecordBuffer(4096)
    const entries = [0, 1, 2].map(entry)
    for (const e of entries) buffer.add('entries', e)
    buffer.add('trace', trace)
    buffer.add('locks', lock)
    buffer.add('requests', request)
    expect(buffer.pending).toBe(6)
    const drained = buffer.drain(2, 6, 9)
    expect(buffer.pending).toBe(0)
    expect(drained).toHaveLength(1)
    const r = history(decodeReport(drained[0]!))
    expect([r.node, r.proc, r.batch]).toEqual([2, 6, 9])
    // History entries travel as arrays (about half the bytes of the objects).
    expect(r.entries.rows.map(historyFromWire)).toEqual(entries)
    expect(r.entries.text).toBe(JSON.stringify(entries.map(historyToWire)))
    expect([r.trace.rows, r.locks.rows, r.requests.rows]).toEqual([[trace], [lock], [request]])
    expect(r.locks.text).toBe(JSON.stringify([lock]))
  })

  it('cuts a long buffer into batches of at most batchMax records of each kind, numbered in order', () => {
    const buffer = new RecordBuffer(3)
    for (let i = 0; i < 7; i++) buffer.add('entries', entry(i))
    buffer.add('trace', trace)
    const reports = buffer.drain(0, 0, 1).map((fields) => history(decodeReport(fields)))
    expect(reports.map((r) => [r.batch, r.entries.rows.length, r.trace.rows.length])).toEqual([[1, 3, 1], [2, 3, 0], [3, 1, 0]])
    expect(reports.flatMap((r) => r.entries.rows.map(historyFromWire))).toEqual([0, 1, 2, 3, 4, 5, 6].map(entry))
  })

  it('refuses a malformed history report, naming the record and what is wrong with it', () => {
    const fields = (entries: string, trace = '[]') => ['type', 'history', 'node', '0', 'body', '{"type":"history","node":0}', 'entries', entries, 'trace', trace, 'locks', '[]', 'requests', '[]']
    const refused = (f: string[], message: RegExp) => {
      expect(() => decodeReport(f)).toThrow(RemoteMessageError)
      expect(() => decodeReport(f)).toThrow(message)
    }
    refused(fields('[{"time":1}]'), /entries\[0\] is not \[time, process, type, f, key, value\]/)
    refused(fields('[[1,0,"ok","read","a/0",null],[1,0,"done","read","a/0",null]]'), /entries\[1\] is a bad entry/)
    refused(fields('[[1,0,"ok","read","a/0",7]]'), /bad entry/)
    refused(fields('[[1,0,"ok","read"'), /entries: not JSON/)
    refused(fields('{}'), /entries: expected an array/)
    refused(fields('[]', '[{"node":1}]'), /trace\[0\] is not a record with a numeric time/)
    refused(fields('[]').slice(0, 12), /no requests field/)
  })

  it('re-encodes a record list whose text spans lines (each spool line holds one list)', () => {
    const fields = ['type', 'history', 'node', '0', 'body', '{"type":"history","node":0}', 'entries', '[\n[1,0,"ok","read","a/0",null]\n]', 'trace', '[]', 'locks', '[]', 'requests', '[]']
    expect(history(decodeReport(fields)).entries.text).toBe('[[1,0,"ok","read","a/0",null]]')
  })

  it('drains nothing when nothing was recorded', () => {
    expect(new RecordBuffer(10).drain(0, 0, 1)).toEqual([])
  })
})
