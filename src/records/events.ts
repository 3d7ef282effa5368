// One line of events.jsonl: `{time, elapsedMs, timeMs, type, ...}` (see results/events.ts for
// what the fields mean and who writes them).

export interface EventLine {
  readonly time: string
  readonly elapsedMs: number
  readonly timeMs: number
  readonly type: string
  readonly [field: string]: unknown
}
