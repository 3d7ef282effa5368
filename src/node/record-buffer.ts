// A node's records (history, trace, lock log, request log) waiting to be posted, kept as JSON text.
// Each record is encoded when it is made, a few µs inside the op that made it; a flush only joins
// the texts. Every demote and write-back carries what is pending (the records must reach Redis
// with what they describe), so encoding a whole batch there put milliseconds on the critical path
// of every lock handoff after a run of cache hits: the holder answered its callback that much later.
import type {HistoryEntry, LockEntry, TraceEntry} from '../records/history.js'
import {historyFields, historyToWire, RECORD_FIELDS, type RecordField} from '../records/messages.js'
import type {RequestLogEntry} from '../records/request-log.js'

/** The record lists of a `history` report, by field name. */
export interface RecordKinds {
  readonly entries: HistoryEntry
  readonly trace: TraceEntry
  readonly locks: LockEntry
  readonly requests: RequestLogEntry
}

export class RecordBuffer {
  private readonly texts: Record<RecordField, string[]> = {entries: [], trace: [], locks: [], requests: []}

  constructor(private readonly batchMax: number) {}

  add<K extends RecordField>(kind: K, record: RecordKinds[K]): void {
    this.texts[kind].push(JSON.stringify(kind === 'entries' ? historyToWire(record as HistoryEntry) : record))
  }

  get pending(): number {
    return RECORD_FIELDS.reduce((n, k) => n + this.texts[k].length, 0)
  }

  /**
   * Empties the buffer into stream entries of `history` reports (at most `batchMax` records of
   * each kind per report), numbered from `firstBatch`; decodeReport reads them back (history entries
   * travel as arrays: records/messages.ts HistoryWire).
   */
  drain(node: number, proc: number, firstBatch: number): string[][] {
    const out: string[][] = []
    const taken = RECORD_FIELDS.map((k) => this.texts[k].splice(0, this.texts[k].length))
    const longest = Math.max(...taken.map((t) => t.length))
    for (let i = 0, batch = firstBatch; i < longest; i += this.batchMax, batch++) {
      out.push(historyFields({node, proc, batch}, taken.map((t) => `[${t.slice(i, i + this.batchMax).join(',')}]`)))
    }
    return out
  }
}
