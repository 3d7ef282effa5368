import {describe, expect, it} from 'vitest'
import {RecordBuffer} from '../../src/node/record-buffer.js'
import {decodeReport, encodeMessage, type NodeReport} from '../../src/records/messages.js'
import {RemoteMessageError} from '../../src/protocol/errors.js'
import type {HistoryEntry, LockEntry, TraceEntry} from '../../src/records/history.js'

const entry = (i: number): HistoryEntry => ({index: -1, time: i * 1000, process: 2, type: i % 2 === 0 ? 'invoke' : 'ok', f: 'write', key: 'a/0', value: i % 3 === 0 ? null : `n2:${i}`})
const trace: TraceEntry = {time: 5, node: 2, key: 'a/0', from: 'none', to: 'RW', unit: 'a/0', seq: 3, generation: 1}
const lock: LockEntry = {time: 6, node: 2, unit: 'a/0', event: 'grant', mode: 'EX', seq: 3, generation: 1}

describe('RecordBuffer (records encoded as they are made, joined at a flush)', () => {
  it('drains into the stream fields encodeMessage gives the same history report', () => {
    const buffer = new RecordBuffer(4096)
    const entries = [0, 1, 2].map(entry)
    for (const e of entries) buffer.add('entries', e)
    buffer.add('trace', trace)
    buffer.add('locks', lock)
    buffer.add('requests', {time: 7, node: 2, unit: 'a/0', event: 'request', request: 'acquire', mode: 'EX'})
    expect(buffer.pending).toBe(6)
    const drained = buffer.drain(2, 6, 9)
    expect(buffer.pending).toBe(0)
    const report: NodeReport = {type: 'history', node: 2, proc: 6, batch: 9, entries, trace: [trace], locks: [lock], requests: [{time: 7, node: 2, unit: 'a/0', event: 'request', request: 'acquire', mode: 'EX'}]}
    expect(drained).toHaveLength(1)
    expect(decodeReport(drained[0]!)).toEqual(report)
    // The history entries travel as arrays: about half the bytes of the objects.
    expect(drained[0]![5]!.length).toBeLessThan(encodeMessage(2, report)[5]!.length)
  })

  it('cuts a long buffer into batches of at most batchMax records of each kind, numbered in order', () => {
    const buffer = new RecordBuffer(3)
    for (let i = 0; i < 7; i++) buffer.add('entries', entry(i))
    buffer.add('trace', trace)
    const reports = buffer.drain(0, 0, 1).map((fields) => decodeReport(fields))
    expect(reports.map((r) => (r.type === 'history' ? [r.batch, r.entries.length, r.trace.length] : null))).toEqual([[1, 3, 1], [2, 3, 0], [3, 1, 0]])
    const all = reports.flatMap((r) => (r.type === 'history' ? r.entries : []))
    expect(all).toEqual([0, 1, 2, 3, 4, 5, 6].map(entry))
  })

  it('refuses a history entry that is not [time, process, type, f, key, value], naming it', () => {
    const fields = (entries: unknown[]) => ['type', 'history', 'node', '0', 'body', JSON.stringify({type: 'history', node: 0, entries, trace: []})]
    expect(() => decodeReport(fields([{time: 1}]))).toThrow(RemoteMessageError)
    expect(() => decodeReport(fields([[1, 0, 'done', 'read', 'a/0', null]]))).toThrow(/bad entry/)
    expect(() => decodeReport(fields([[1, 0, 'ok', 'read', 'a/0', 7]]))).toThrow(/bad entry/)
  })

  it('drains nothing when nothing was recorded', () => {
    expect(new RecordBuffer(10).drain(0, 0, 1)).toEqual([])
  })
})
