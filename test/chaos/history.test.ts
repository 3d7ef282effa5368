// What the orchestrator does to a run's records when processes die (src/chaos/history.ts).
import {describe, expect, it} from 'vitest'
import {cutAtGaps, endDeadMappings, markDeadProcesses} from '../../src/chaos/history.js'
import type {HistoryEntry, TraceEntry} from '../../src/records/history.js'
import {checkRegisterHistory} from '../../src/check/linearizability/index.js'

const h = (time: number, process: number, type: HistoryEntry['type'], f: HistoryEntry['f'], value: string | null): HistoryEntry => ({index: -1, time, process, type, f, key: 'a/0', value})

describe('dead processes in the history and the trace', () => {
  // Process 1 wrote n1:1 (ok), read it back, died before writing it back; process 0 then reads the disk: null.
  const history = [
    h(1, 1, 'invoke', 'write', 'n1:1'), h(2, 1, 'ok', 'write', 'n1:1'),
    h(3, 1, 'invoke', 'read', null), h(4, 1, 'ok', 'read', 'n1:1'),
    h(5, 0, 'invoke', 'read', null), h(6, 0, 'ok', 'read', null),
  ].map((e, i) => ({...e, index: i}))

  it('the lost write is a violation as recorded, and linearizable once the dead process is info', () => {
    expect(checkRegisterHistory(history, {deadline: Date.now() + 5000}).valid).toBe(false)
    const marked = markDeadProcesses(history, new Set([1]))
    expect(marked.filter((e) => e.process === 1).map((e) => e.type)).toEqual(['invoke', 'info', 'invoke', 'info'])
    expect(checkRegisterHistory(marked, {deadline: Date.now() + 5000}).valid).toBe(true)
  })

  it('a dead process\'s write that another process read stays ok (it was written back)', () => {
    const seen = [...history.slice(0, 4), h(5, 0, 'invoke', 'read', null), h(6, 0, 'ok', 'read', 'n1:1'), h(7, 1, 'invoke', 'read', null), h(8, 1, 'ok', 'read', 'n0:1')]
    const marked = markDeadProcesses(seen, new Set([1]))
    expect(marked.filter((e) => e.process === 1).map((e) => e.type)).toEqual(['invoke', 'ok', 'invoke', 'ok', 'invoke', 'ok'])
  })

  it('a read of the same value before the dead process wrote it (a copy) does not count as observing it', () => {
    const copy = [h(1, 0, 'invoke', 'read', null), h(2, 0, 'ok', 'read', 'n2:5'), h(3, 1, 'invoke', 'write', 'n2:5'), h(4, 1, 'ok', 'write', 'n2:5')]
    expect(markDeadProcesses(copy, new Set([1])).map((e) => e.type)).toEqual(['invoke', 'ok', 'invoke', 'info'])
  })

  it('cuts a process at the first gap (a lost batch) and keeps the others', () => {
    const gap = [h(1, 0, 'invoke', 'write', 'x'), h(2, 1, 'invoke', 'read', null), h(3, 0, 'ok', 'read', 'x'), h(4, 1, 'ok', 'read', null), h(5, 0, 'invoke', 'read', null)]
    const {history: kept, cut} = cutAtGaps(gap)
    expect(cut).toEqual([0])
    expect(kept.map((e) => [e.process, e.type])).toEqual([[0, 'invoke'], [1, 'invoke'], [1, 'ok']])
  })

  it('closes a dead process\'s mappings at its death and drops what it traced later', () => {
    const t = (time: number, node: number, from: TraceEntry['from'], to: TraceEntry['to']): TraceEntry => ({time, node, key: 'a/0', from, to, unit: 'a/0', seq: 1, generation: 1})
    const trace = [t(1, 1, 'none', 'RW'), t(5, 0, 'none', 'RO'), t(9, 1, 'RW', 'none')]
    expect(endDeadMappings(trace, new Map([[1, 3]]))).toEqual([t(1, 1, 'none', 'RW'), t(3, 1, 'RW', 'none'), t(5, 0, 'none', 'RO')])
  })
})
