// A dead incarnation's dirty pages that were never written back are lost by design (as Lustre
// evicts a client), and its own reads may have returned those lost writes. So, for a process
// that died, these `ok`s become `info` (Jepsen: may or may not have happened):
// - a write whose value on that page no other process ever read (it may never have left the
//   node's cache), and
// - a read of a value the process wrote itself on that page that no other process read.
// What others observed certainly took effect, and its reads of others' values were made under
// a lock it still held (the lease guard stops completions past the lease), so those stay `ok`
// and fully checked. An info write may be placed anywhere after its invoke, or nowhere; an
// info read constrains nothing. Survivors' ops are untouched.
import type {HistoryEntry, LockEntry, TraceEntry} from '../records/history.js'

export function markDeadProcesses(history: HistoryEntry[], dead: ReadonlySet<number>): HistoryEntry[] {
  if (dead.size === 0) return history
  const marker = new DeadMarker(dead, readsOf(history))
  return history.map((e) => marker.mark(e))
}

/** Reads seen, per page and value: the process and completion time of each `ok` read. */
export type ReadsSeen = Map<string, {process: number; time: number}[]>

/**
 * Completion times of reads, per page and value, by each process. A copy writes its source's
 * value, so the same value can land on a page more than once: a read observes a dead process's
 * write only if it completed after that write was invoked. `wanted` (page|value) keeps only the
 * reads of values a dead process wrote (what a stored run's bounded pass needs).
 */
export function readsOf(history: Iterable<HistoryEntry>, wanted?: ReadonlySet<string>, into: ReadsSeen = new Map()): ReadsSeen {
  for (const e of history) noteRead(into, e, wanted)
  return into
}

export function noteRead(reads: ReadsSeen, e: HistoryEntry, wanted?: ReadonlySet<string>): void {
  if (e.type !== 'ok' || e.f !== 'read') return
  const k = `${e.key}|${e.value}`
  if (wanted !== undefined && !wanted.has(k)) return
  let list = reads.get(k)
  if (list === undefined) reads.set(k, (list = []))
  list.push({process: e.process, time: e.time})
}

/** Marks a dead process's unobserved writes (and its own reads of them) `info`, one entry at a time, in history order. */
export class DeadMarker {
  private readonly lost = new Set<string>() // process|key|value of a dead process's unobserved write
  private readonly invoked = new Map<number, HistoryEntry>()

  constructor(private readonly dead: ReadonlySet<number>, private readonly reads: ReadsSeen) {}

  mark(e: HistoryEntry): HistoryEntry {
    if (!this.dead.has(e.process)) return e
    if (e.type === 'invoke') {
      this.invoked.set(e.process, e)
      return e
    }
    const inv = this.invoked.get(e.process)
    this.invoked.delete(e.process)
    if (e.type !== 'ok' || inv === undefined) return e
    const k = `${e.process}|${e.key}|${e.value}`
    if (e.f === 'write') {
      if (this.observed(e.process, e.key, e.value, inv.time)) return e
      this.lost.add(k)
      return {...e, type: 'info' as const}
    }
    return this.lost.has(k) ? {...e, type: 'info' as const} : e
  }

  private observed(process: number, key: string, value: string | null, since: number): boolean {
    return (this.reads.get(`${key}|${value}`) ?? []).some((r) => r.process !== process && r.time > since)
  }
}

/**
 * History batches a node posted to a Redis that then lost its state never reach the
 * orchestrator, leaving a gap in that process's entries (an `ok` whose invoke is missing, or
 * two invokes in a row). Everything of the process from the first gap on is dropped, so the
 * checkers see well-formed histories; returns the processes cut. Never happens without a loss.
 */
export function cutAtGaps(history: HistoryEntry[]): {history: HistoryEntry[]; cut: number[]} {
  const gaps = new GapCutter()
  const kept = history.filter((e) => gaps.keep(e))
  if (gaps.cut.size > 0) kept.forEach((e, i) => (e.index = i))
  return {history: kept, cut: gaps.processesCut()}
}

/** cutAtGaps one entry at a time, in history order. */
export class GapCutter {
  readonly cut = new Set<number>()
  private readonly open = new Map<number, HistoryEntry | null>()

  keep(e: HistoryEntry): boolean {
    if (this.cut.has(e.process)) return false
    const prev = this.open.get(e.process) ?? null
    const fits = e.type === 'invoke' ? prev === null : prev !== null && prev.f === e.f && prev.key === e.key
    if (!fits) {
      this.cut.add(e.process)
      return false
    }
    this.open.set(e.process, e.type === 'invoke' ? e : null)
    return true
  }

  processesCut(): number[] {
    return [...this.cut].sort((a, b) => a - b)
  }
}

/**
 * The coherence trace of a dead process ends at its death (the instant the manager declared it
 * dead and could regrant its locks): its mappings are closed there (`to: none`), and anything it
 * traced later (a zombie before it noticed) is dropped: it could not complete an access then
 * (lease guard) and its write-backs were refused. `deathNs` in the trace's time base.
 */
export function endDeadMappings(trace: readonly TraceEntry[], deathNs: ReadonlyMap<number, number>): TraceEntry[] {
  if (deathNs.size === 0) return [...trace]
  const last = new Map<string, TraceEntry>()
  const kept: TraceEntry[] = []
  for (const t of trace) {
    const death = deathNs.get(t.node)
    if (death !== undefined && t.time > death) continue
    kept.push(t)
    if (death !== undefined) last.set(`${t.node}|${t.key}`, t)
  }
  for (const t of last.values()) {
    if (t.to !== 'none') kept.push({...t, time: deathNs.get(t.node)!, from: t.to, to: 'none'})
  }
  return kept.sort((a, b) => a.time - b.time)
}

/**
 * The same for the lock log (the coherence checker's hold intervals): a dead process's holds end
 * at its death (event `lost`, mode UN), before the manager could regrant them; its later entries
 * are dropped.
 */
export function endDeadHolds(locks: readonly LockEntry[], deathNs: ReadonlyMap<number, number>): LockEntry[] {
  if (deathNs.size === 0) return [...locks]
  const last = new Map<string, LockEntry>()
  const kept: LockEntry[] = []
  for (const l of locks) {
    const death = deathNs.get(l.node)
    if (death !== undefined && l.time > death) continue
    kept.push(l)
    if (death !== undefined) last.set(`${l.node}|${l.unit}`, l)
  }
  for (const l of last.values()) {
    if (l.mode !== 'UN') kept.push({...l, time: deathNs.get(l.node)!, event: 'lost', mode: 'UN'})
  }
  return kept.sort((a, b) => a.time - b.time)
}
