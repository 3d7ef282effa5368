// The run's timeline (results/RUN/timeline.jsonl): throughput and latency over time, and the
// events that shade fault windows in `cmm report histograms --html`. Built from the progress
// events the orchestrator already emits (interval bucket counts from the nodes, added into the open
// tick; a tick is encoded once, when it closes), in buckets of a second; bounded: a long run doubles
// the bucket width instead of growing without limit.
import {decodeHistogram, encodeBucketCounts, encodeHistogram} from '../metrics/histogram.js'
import {BucketHistogram} from '../metrics/bucket-histogram.js'
import type {BucketCounts} from '../records/histogram-keys.js'
import type {RunEvent} from '../records/run.js'

export const TIMELINE_BUCKET_MS = 1000
/** Most ticks kept; past this, neighbouring ticks are merged (bucket width doubles). */
export const TIMELINE_MAX_TICKS = 3600
export const TIMELINE_MAX_EVENTS = 10_000

/** One bucket: [t - widthMs, t); the last one ends at the run's end. `ops` is cumulative; `hist` the corrected latency histograms of the ops completed in it. */
export interface TimelineTick {
  readonly kind: 'tick'
  readonly t: number
  readonly widthMs: number
  readonly ops: number
  readonly hist: Readonly<Record<string, string>>
}

/** Something that happened at `t` (ms since the start). `pause`/`resume` and future kill/restart/deadlock events delimit fault windows. */
export interface TimelineEvent {
  readonly kind: 'event'
  readonly t: number
  readonly event: string
  readonly node?: number
  readonly detail?: string
}

export type TimelineRow = TimelineTick | TimelineEvent

interface OpenTick {
  t: number
  widthMs: number
  ops: number
}

/**
 * A closed tick keeps its histograms encoded (a few hundred bytes each): a histogram object
 * holds ~94 KB of counts, so an hour of ticks would otherwise hold gigabytes (issue 13).
 */
interface ClosedTick {
  readonly t: number
  readonly widthMs: number
  readonly ops: number
  readonly hist: ReadonlyMap<string, string>
}

/** events.jsonl types renamed to the timeline's window events (report/histograms/html.ts). */
const FAULT_EVENTS: Readonly<Record<string, string>> = {'node-restarted': 'restart'}

export class TimelineBuilder {
  private readonly ticks: ClosedTick[] = []
  private readonly events: TimelineEvent[] = []
  private widthMs = TIMELINE_BUCKET_MS
  private current: OpenTick | null = null
  /** The open tick's latencies by key; reused from tick to tick (each holds ~94 KB of counts). */
  private readonly latency = new Map<string, BucketHistogram>()
  private lastOps = 0

  onEvent(e: RunEvent): void {
    switch (e.type) {
      case 'progress':
        this.progress(e.elapsedMs, e.done, e.interval)
        return
      case 'paused':
        this.event({kind: 'event', t: round(e.elapsedMs), event: e.paused ? 'pause' : 'resume'})
        return
      case 'node-done':
        this.event({kind: 'event', t: round(e.elapsedMs), event: 'node-done', node: e.node})
        return
      case 'node-error':
        this.event({kind: 'event', t: this.current?.t ?? 0, event: 'node-error', node: e.node, detail: e.message})
        return
      case 'fault': {
        // Kills and chaos pauses open fault windows (closed by the restart, the resume); the rest are markers.
        const name = FAULT_EVENTS[e.line.type] ?? e.line.type
        const node = typeof e.line.node === 'number' ? {node: e.line.node} : {}
        this.event({kind: 'event', t: round(e.line.timeMs), event: name, ...node})
        return
      }
      case 'stuck':
        this.event({kind: 'event', t: this.current?.t ?? 0, event: 'stuck', detail: `no progress for ${Math.round(e.idleMs)} ms`})
        return
      default:
        return
    }
  }

  /**
   * Every tick (closing the open one) and event, in time order. `endMs`, the run's end, ends the
   * open tick there: its bucket would otherwise reach past the run (a 2.48 s run's last tick at
   * 3000 ms, 1000 ms wide), drawn beyond the chart and its ops/s divided by time not run.
   */
  rows(endMs?: number): TimelineRow[] {
    const open = this.current ? [endedAt(this.encoded(this.current), endMs)] : []
    const ticks: TimelineRow[] = [...this.ticks, ...open].map((k) => ({
      kind: 'tick', t: round(k.t), widthMs: k.widthMs, ops: k.ops, hist: Object.fromEntries(k.hist),
    }))
    return [...ticks, ...this.events].sort((a, b) => a.t - b.t || (a.kind === 'tick' ? -1 : 1))
  }

  private progress(elapsedMs: number, ops: number, interval: Readonly<Record<string, BucketCounts>>): void {
    if (this.current === null || elapsedMs > this.current.t) {
      if (this.current) this.close(this.current)
      const start = this.current ? this.current.t : 0
      const end = start + this.widthMs * Math.max(1, Math.ceil((elapsedMs - start) / this.widthMs))
      this.current = {t: end, widthMs: end - start, ops: this.lastOps}
    }
    const tick = this.current
    tick.ops = Math.max(tick.ops, ops)
    this.lastOps = tick.ops
    for (const [key, counts] of Object.entries(interval)) {
      let h = this.latency.get(key)
      if (!h) this.latency.set(key, (h = new BucketHistogram()))
      h.addCounts(counts)
    }
  }

  private close(tick: OpenTick): void {
    this.ticks.push(this.encoded(tick))
    for (const h of this.latency.values()) h.reset()
    if (this.ticks.length < TIMELINE_MAX_TICKS) return
    // Halve the resolution: merge neighbours pairwise.
    const merged: ClosedTick[] = []
    for (let i = 0; i < this.ticks.length; i += 2) {
      const a = this.ticks[i]!
      const b = this.ticks[i + 1]
      if (!b) {
        merged.push(a)
        continue
      }
      const hist = new Map(b.hist)
      for (const [key, h] of a.hist) {
        const into = hist.get(key)
        if (into === undefined) {
          hist.set(key, h)
          continue
        }
        const sum = decodeHistogram(into)
        sum.add(decodeHistogram(h))
        hist.set(key, encodeHistogram(sum))
      }
      merged.push({t: b.t, widthMs: a.widthMs + b.widthMs, ops: b.ops, hist})
    }
    this.ticks.splice(0, this.ticks.length, ...merged)
    this.widthMs *= 2
  }

  /** The open tick as it stands, its latencies encoded (keys without any left out). */
  private encoded(tick: OpenTick): ClosedTick {
    const hist = new Map<string, string>()
    for (const [key, h] of this.latency) if (h.totalCount > 0) hist.set(key, encodeBucketCounts(h.bucketCounts()))
    return {t: tick.t, widthMs: tick.widthMs, ops: tick.ops, hist}
  }

  private event(e: TimelineEvent): void {
    if (this.events.length < TIMELINE_MAX_EVENTS) this.events.push(e)
  }
}

/** The open tick cut at the run's end, when that falls inside it. */
function endedAt(tick: ClosedTick, endMs: number | undefined): ClosedTick {
  const start = tick.t - tick.widthMs
  if (endMs === undefined || !(endMs > start) || endMs >= tick.t) return tick
  return {...tick, t: endMs, widthMs: round(endMs - start)}
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10
}

/** Parses timeline.jsonl; throws with the line number on anything malformed (e.g. a truncated file). */
export function parseTimeline(text: string, path: string): TimelineRow[] {
  const rows: TimelineRow[] = []
  const lines = text.split('\n')
  lines.forEach((line, i) => {
    if (line.trim() === '') return
    let row: unknown
    try {
      row = JSON.parse(line)
    } catch {
      throw new Error(`${path}:${i + 1}: not a JSON line (truncated file?)`)
    }
    const r = (typeof row === 'object' && row !== null ? row : {}) as Record<string, unknown>
    if ( typeof r.t !== 'number' || (r.kind !== 'tick' && r.kind !== 'event')) {
      throw new Error(`${path}:${i + 1}: not a timeline row`)
    }
    if (r.kind === 'tick' && (typeof r.ops !== 'number' || typeof r.hist !== 'object' || r.hist === null)) throw new Error(`${path}:${i + 1}: tick without ops/hist`)
    rows.push(row as TimelineRow)
  })
  return rows
}
