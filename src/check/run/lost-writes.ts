// Nothing written back is lost: at the end of a completed run every node wrote back its dirty
// pages (final.json `flushed`), so each page on the shared disk must hold the last write of that
// page: a write that no completed write started after (several when the last writes overlap;
// also null when no write completed). A write dropped on a release, or a write-back that an
// older one overwrote, leaves an older value on the disk.
import type {HistoryEntry} from '../../records/history.js'
import type {FinalState} from '../../records/final-state.js'
import type {CheckResult} from '../verdict.js'
import {MAX_VIOLATIONS} from './evidence.js'

export interface WriteOp {
  readonly process: number
  readonly value: string | null
  /** ns since the run's start */
  readonly invoke: number
  /** Infinity: cut short (it may or may not have happened). */
  readonly complete: number
}

export interface LostWriteViolation {
  readonly key: string
  readonly disk: string | null
  /** The values the disk could hold (the last writes), at most a few. */
  readonly expected: readonly (string | null)[]
  readonly lastWrites: readonly WriteOp[]
}

/** Writes per page, paired invoke -> completion per process (a node runs one op at a time). */
export function writesByPage(history: readonly HistoryEntry[]): Map<string, WriteOp[]> {
  const pending = new Map<number, HistoryEntry>()
  const out = new Map<string, WriteOp[]>()
  const add = (inv: HistoryEntry, complete: number) => {
    const op: WriteOp = {process: inv.process, value: inv.value, invoke: inv.time, complete}
    const list = out.get(inv.key)
    if (list === undefined) out.set(inv.key, [op])
    else list.push(op)
  }
  for (const e of history) {
    if (e.type === 'invoke') {
      const prev = pending.get(e.process)
      if (prev !== undefined && prev.f === 'write') add(prev, Infinity)
      pending.set(e.process, e)
      continue
    }
    const inv = pending.get(e.process)
    pending.delete(e.process)
    if (inv === undefined || inv.f !== 'write' || e.type === 'fail') continue
    add(inv, e.type === 'ok' ? e.time : Infinity)
  }
  for (const inv of pending.values()) if (inv.f === 'write') add(inv, Infinity)
  return out
}

export function checkLostWrites(history: readonly HistoryEntry[], final: FinalState): CheckResult {
  if (!final.flushed || final.disk === null) {
    return {valid: 'unknown', summary: 'no final disk state (only a run that completed, or was ended early with `q` or one Ctrl-C, writes everything back and reads the disk)', counts: {}, violations: []}
  }
  const writes = writesByPage(history)
  const violations: LostWriteViolation[] = []
  let lost = 0
  let pages = 0
  for (const [key, disk] of Object.entries(final.disk)) {
    pages++
    const ws = writes.get(key) ?? []
    let lastStart = -Infinity
    for (const w of ws) if (w.complete !== Infinity && w.invoke > lastStart) lastStart = w.invoke
    const last = ws.filter((w) => w.complete >= lastStart)
    const expected = new Set<string | null>(last.map((w) => w.value))
    if (lastStart === -Infinity) expected.add(null)
    if (expected.has(disk)) continue
    lost++
    if (violations.length < MAX_VIOLATIONS) violations.push({key, disk, expected: [...expected].slice(0, 5), lastWrites: last.slice(0, 5)})
  }
  const counts = {pages, writes: [...writes.values()].reduce((s, w) => s + w.length, 0), lost}
  if (lost === 0) return {valid: true, summary: `every one of ${pages} pages on disk holds its last write`, counts, violations: []}
  const v = violations[0]!
  return {
    valid: false,
    summary: `${lost} pages lost their last write; first: page ${v.key} holds ${JSON.stringify(v.disk)} on disk, the last write was ${v.expected.map((x) => JSON.stringify(x)).join(' or ')}`,
    counts,
    violations,
  }
}
