// The run's records on disk as they arrive (issue 13: the orchestrator's memory must not grow with
// the run's length). Each process's history, trace, lock log and request log is appended to its
// own spool file in `RUN/.spool/` when its report arrives, as the JSON text it arrived in (a line
// per batch: an array of rows, history entries in their wire form), through a bounded buffer
// (spool-writer.ts); each is in time order (a process stamps its records from one monotonic
// clock). At the run's end the spool files are merged, a row at a time, into history.jsonl,
// trace.jsonl, locks.jsonl and requests.jsonl in one time order, with the corrections a run's end
// makes: an op cut short closed `info`, gaps cut, dead processes' records ended at their deaths.
// Memory held: the write buffer's bound, one batch per spool file, and a dead process's own records.
import {existsSync, mkdirSync, renameSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import type {HistoryEntry, LockEntry, TraceEntry} from '../records/history.js'
import {historyFromWire, historyToWire, type HistoryWire, type RecordBatch} from '../records/messages.js'
import {DeadMarker, endDeadHolds, endDeadMappings, GapCutter, noteRead, type ReadsSeen} from '../chaos/history.js'
import {jsonlRows, JsonlWriter, mergeByTime} from '../results/jsonl.js'
import {SpoolWriter} from './spool-writer.js'

export type RecordKind = 'history' | 'trace' | 'locks' | 'requests'

/** What the run's end decides about its records. */
export interface RecordsEnd {
  /** The run's end, ns since its start: an op still open then is closed `info` there. */
  readonly endNs: number
  /** Processes that died, and when (ns since the start; the end when unknown). */
  readonly deathNs: ReadonlyMap<number, number>
}

export interface StoredRecords {
  /** Processes whose history had a gap (batches lost with Redis): their later entries were dropped. */
  readonly cut: readonly number[]
  readonly historyFile: string
}

export class RecordStore {
  private readonly spool: string
  private made = false
  private readonly writer = new SpoolWriter()
  /** Each node's last history entry and the process that wrote it (an op cut short by the end is closed). */
  private readonly lastEntry = new Map<number, {proc: number; entry: HistoryWire}>()
  /** Each process's spool files, by kind. */
  private readonly files = new Map<number, Readonly<Record<RecordKind, string>>>()

  constructor(readonly dir: string) {
    this.spool = join(dir, '.spool')
  }

  history(node: number, proc: number, entries: RecordBatch<HistoryWire>): void {
    if (entries.rows.length === 0) return
    this.append('history', proc, entries.text)
    this.lastEntry.set(node, {proc, entry: entries.rows.at(-1)!})
  }

  /** Trace, lock and request rows name their process (`node` is the process id). */
  records(kind: Exclude<RecordKind, 'history'>, proc: number, rows: RecordBatch<unknown>): void {
    if (rows.rows.length > 0) this.append(kind, proc, rows.text)
  }

  /** Writes what is buffered and closes the spool files (the run's driver failing; finish does it too). */
  close(): void {
    this.writer.close()
  }

  /** `text`: a JSON array of rows on one line. */
  private append(kind: RecordKind, proc: number, text: string): void {
    if (!this.made) {
      mkdirSync(this.spool, {recursive: true})
      this.made = true
    }
    this.writer.append(this.file(kind, proc), text + '\n')
  }

  private file(kind: RecordKind, proc: number): string {
    let files = this.files.get(proc)
    if (files === undefined) {
      const at = (k: RecordKind) => join(this.spool, `${k}-${proc}.jsonl`)
      this.files.set(proc, (files = {history: at('history'), trace: at('trace'), locks: at('locks'), requests: at('requests')}))
    }
    return files[kind]
  }

  /** The spool files of one kind that exist, by process id. */
  private sources(kind: RecordKind): string[] {
    return [...this.files.keys()].sort((a, b) => a - b).map((p) => this.file(kind, p)).filter((f) => existsSync(f))
  }

  /** Writes the four record files of the run's folder from the spool, then removes the spool. */
  finish(end: RecordsEnd): StoredRecords {
    mkdirSync(this.dir, {recursive: true})
    this.closeCutShort(end.endNs)
    this.writer.close()
    const dead = new Set(end.deathNs.keys())
    const historyFile = join(this.dir, 'history.jsonl')
    const cut = this.writeHistory(historyFile, dead)
    this.writeMerged('trace', (rows) => endDeadMappings(rows as TraceEntry[], end.deathNs), end.deathNs)
    this.writeMerged('locks', (rows) => endDeadHolds(rows as LockEntry[], end.deathNs), end.deathNs)
    this.writeMerged('requests', null, end.deathNs)
    rmSync(this.spool, {recursive: true, force: true})
    return {cut, historyFile}
  }

  /** An op cut short by the end of the run (its node's last entry is an invoke) ends `info` there: Jepsen's "may or may not have taken effect". */
  private closeCutShort(endNs: number): void {
    for (const {proc, entry} of this.lastEntry.values()) {
      const last = historyFromWire(entry)
      if (last.type !== 'invoke') continue
      const info: HistoryEntry = {index: -1, time: Math.max(endNs, last.time), process: last.process, type: 'info', f: last.f, key: last.key, value: last.f === 'write' ? last.value : null}
      this.append('history', proc, JSON.stringify([historyToWire(info)]))
    }
  }

  /**
   * One real-time ordered history (indexes assigned), gaps cut. With dead processes a second
   * pass marks their unobserved writes `info` (chaos/history.ts), from the reads of the values
   * they wrote, gathered in the first. Returns the processes cut.
   */
  private writeHistory(target: string, dead: ReadonlySet<number>): number[] {
    const wanted = dead.size === 0 ? undefined : this.deadWrites(dead)
    const reads: ReadsSeen = new Map()
    const first = new JsonlWriter(wanted === undefined ? target : `${target}.tmp`)
    const gaps = new GapCutter()
    let index = 0
    for (const e of mergeByTime(this.sources('history').map(spoolHistory))) {
      if (!gaps.keep(e)) continue
      e.index = index++
      if (wanted !== undefined) noteRead(reads, e, wanted)
      first.write(e)
    }
    first.close()
    if (wanted !== undefined) {
      const marker = new DeadMarker(dead, reads)
      const out = new JsonlWriter(target)
      for (const e of jsonlRows<HistoryEntry>(first.path)) out.write(marker.mark(e))
      out.close()
      rmSync(first.path)
    }
    return gaps.processesCut()
  }

  /** `page|value` of every write of a dead process (from its own spool file). */
  private deadWrites(dead: ReadonlySet<number>): Set<string> {
    const out = new Set<string>()
    for (const p of dead) {
      if (!existsSync(this.file('history', p))) continue
      for (const e of spoolHistory(this.file('history', p))) if (e.f === 'write' && e.type === 'ok') out.add(`${e.key}|${e.value}`)
    }
    return out
  }

  /**
   * One kind's spool files merged into its run file. A dead process's file is first rewritten
   * by `endDead` (its records end at its death), which holds that one process's rows.
   */
  private writeMerged(kind: Exclude<RecordKind, 'history'>, endDead: ((rows: readonly unknown[]) => unknown[]) | null, deathNs: ReadonlyMap<number, number>): void {
    if (endDead !== null) {
      for (const p of deathNs.keys()) {
        const file = this.file(kind, p)
        if (!existsSync(file)) continue
        const ended = new JsonlWriter(`${file}.ended`)
        // A row per line: the merge below then holds one row of this file at a time.
        ended.writeAll(endDead([...spoolRows(file)]).map((row) => [row]))
        ended.close()
        renameSync(ended.path, file)
      }
    }
    const out = new JsonlWriter(join(this.dir, `${kind}.jsonl`))
    out.writeAll(mergeByTime(this.sources(kind).map((f) => spoolRows<{time: number}>(f))))
    out.close()
  }

}

/** The rows of a spool file (a JSON array per line), in order. */
function* spoolRows<T>(file: string): Generator<T> {
  for (const rows of jsonlRows<T[]>(file)) yield* rows
}

/** The history entries of a spool file (their wire form: records/messages.ts HistoryWire). */
function* spoolHistory(file: string): Generator<HistoryEntry> {
  for (const w of spoolRows<HistoryWire>(file)) yield historyFromWire(w)
}

/** Reads history.jsonl back a row at a time (the Redis fault accounts, tests). */
export function historyRows(file: string): Iterable<HistoryEntry> {
  return {[Symbol.iterator]: () => jsonlRows<HistoryEntry>(file)}
}
