// events.jsonl in a run's results folder: one JSON object per line, `{time, elapsedMs, timeMs, type, ...}`
// (`time` ISO wall clock, `elapsedMs` since the run's start or since the log was opened when the
// line was written, `timeMs` when the event happened, ms since the start: the same as `elapsedMs`
// except for records logged later than they happened, e.g. deadlocks, written at the run's end). Any
// part of cmm that observes or injects something worth plotting (faults, recoveries, deadlocks)
// appends here; the report shades fault windows from it. Appends are synchronous and small so
// the order of lines is the order of events, even when the process dies right after.
import {appendFileSync, mkdirSync} from 'node:fs'
import {dirname} from 'node:path'
import type {EventLine} from '../records/events.js'

export class EventLog {
  private origin = Date.now()
  readonly records: EventLine[] = []
  /** Told of every line as it is written (the orchestrator forwards faults to the live view and timeline). */
  onWrite: ((line: EventLine) => void) | null = null

  private made = false

  // The folder is made on the first line: a run that fails before it logs anything (Redis
  // unreachable) leaves no empty run folder behind.
  constructor(readonly file: string) {}

  /** From now on `elapsedMs` counts from this wall-clock time (ms), e.g. the run's start. */
  setOrigin(ms: number): void {
    this.origin = ms
  }

  /** `fields.timeMs`, when given, says when the event happened (it may precede the line). */
  write(type: string, fields: Record<string, unknown> = {}): EventLine {
    const now = Date.now()
    const elapsedMs = Math.round(now - this.origin)
    const record: EventLine = {time: new Date(now).toISOString(), elapsedMs, timeMs: elapsedMs, type, ...fields}
    this.records.push(record)
    if (!this.made) {
      mkdirSync(dirname(this.file), {recursive: true})
      this.made = true
    }
    appendFileSync(this.file, JSON.stringify(record) + '\n')
    this.onWrite?.(record)
    return record
  }
}
