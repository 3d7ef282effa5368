// The run's records on disk: spooled per process as reports arrive, merged into the run's files
// at its end (time order, an op cut short closed, gaps cut, dead processes ended at their deaths).
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {RecordStore} from '../../src/cluster/record-store.js'
import {endDeadHolds, endDeadMappings, markDeadProcesses} from '../../src/chaos/history.js'
import type {HistoryEntry, LockEntry, TraceEntry} from '../../src/records/history.js'
import {historyToWire, type RecordBatch} from '../../src/records/messages.js'
import {tempDir} from '../helpers/cli.js'

const rows = <T>(file: string): T[] => readFileSync(file, 'utf8').trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as T)
// Records as a history report brings them: parsed rows and the text they arrived in.
const batch = <T>(rows: readonly T[]): RecordBatch<T> => ({rows, text: JSON.stringify(rows)})
const wire = (entries: readonly HistoryEntry[]) => batch(entries.map(historyToWire))
const op = (process: number, time: number, type: HistoryEntry['type'], f: 'read' | 'write', value: string | null, key = 'a/0'): HistoryEntry => ({index: -1, time, process, type, f, key, value})

describe('RecordStore', () => {
  it('merges the processes\' histories in time order, closing an op cut short with info, and leaves no spool', () => {
    const dir = tempDir()
    const s = new RecordStore(dir)
    s.history(0, 0, wire([op(0, 100, 'invoke', 'write', 'x'), op(0, 300, 'ok', 'write', 'x')]))
    s.history(1, 1, wire([op(1, 200, 'invoke', 'write', 'y')]))
    const out = s.finish({endNs: 1000, deathNs: new Map()})
    expect(out.cut).toEqual([])
    expect(rows<HistoryEntry>(join(dir, 'history.jsonl')).map((e) => [e.index, e.process, e.type, e.time])).toEqual([[0, 0, 'invoke', 100], [1, 1, 'invoke', 200], [2, 0, 'ok', 300], [3, 1, 'info', 1000]])
    for (const f of ['trace', 'locks', 'requests']) expect(readFileSync(join(dir, `${f}.jsonl`), 'utf8')).toBe('')
    expect(existsSync(join(dir, '.spool'))).toBe(false)
  })

  it('cuts a process\'s history at a gap (a lost batch) and says which', () => {
    const dir = tempDir()
    const s = new RecordStore(dir)
    s.history(0, 0, wire([op(0, 1, 'invoke', 'write', 'x'), op(0, 2, 'ok', 'write', 'x'), op(0, 5, 'ok', 'write', 'z')]))
    s.history(1, 1, wire([op(1, 3, 'invoke', 'read', null), op(1, 4, 'ok', 'read', 'x')]))
    expect(s.finish({endNs: 10, deathNs: new Map()}).cut).toEqual([0])
    expect(rows<HistoryEntry>(join(dir, 'history.jsonl')).map((e) => [e.index, e.time])).toEqual([[0, 1], [1, 2], [2, 3], [3, 4]])
  })

  it('ends dead processes as the in-memory corrections do: unobserved writes info, mappings and holds closed at death', () => {
    const dir = tempDir()
    const s = new RecordStore(dir)
    // Process 1 dies at 50: its write of w1 was read by process 0, its write of w2 never was.
    const h0 = [op(0, 10, 'invoke', 'read', null), op(0, 30, 'ok', 'read', 'w1'), op(0, 60, 'invoke', 'read', null, 'a/1'), op(0, 70, 'ok', 'read', null, 'a/1')]
    const h1 = [op(1, 5, 'invoke', 'write', 'w1'), op(1, 8, 'ok', 'write', 'w1'), op(1, 35, 'invoke', 'write', 'w2', 'a/1'), op(1, 40, 'ok', 'write', 'w2', 'a/1')]
    const trace: TraceEntry[] = [{time: 6, node: 1, key: 'a/0', from: 'none', to: 'RW', unit: 'a/0', seq: 1, generation: 0}, {time: 80, node: 1, key: 'a/1', from: 'none', to: 'RO', unit: 'a/1', seq: 2, generation: 0}]
    const locks: LockEntry[] = [{time: 6, node: 1, unit: 'a/0', event: 'grant', mode: 'EX', seq: 1, generation: 0}, {time: 7, node: 0, unit: 'a/2', event: 'grant', mode: 'SH', seq: 1, generation: 0}]
    s.history(0, 0, wire(h0))
    s.history(1, 1, wire(h1))
    s.records('trace', 1, batch(trace))
    s.records('locks', 1, batch([locks[0]]))
    s.records('locks', 0, batch([locks[1]]))
    const deathNs = new Map([[1, 50]])
    s.finish({endNs: 100, deathNs})
    const merged = [...h0, ...h1].sort((a, b) => a.time - b.time).map((e, i) => ({...e, index: i}))
    expect(rows(join(dir, 'history.jsonl'))).toEqual(markDeadProcesses(merged, new Set([1])))
    expect(rows<HistoryEntry>(join(dir, 'history.jsonl')).filter((e) => e.type === 'info').map((e) => e.value)).toEqual(['w2'])
    expect(rows(join(dir, 'trace.jsonl'))).toEqual(endDeadMappings(trace, deathNs))
    expect(rows(join(dir, 'locks.jsonl'))).toEqual(endDeadHolds([...locks].sort((a, b) => a.time - b.time), deathNs))
  })
})
