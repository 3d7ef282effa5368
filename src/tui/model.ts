// The live view's state: folds the orchestrator's run events into what the screen shows. Pure
// and cheap per event (progress events come every 200 ms, not per op); the screen samples it
// with snapshot() at its own bounded rate.
import {SATURATION_NOTE} from '../records/resources.js'
import type {NodeLive, RunEvent} from '../records/run.js'
import type {NodeState} from '../records/live.js'
import {addBucketCounts, newHistogram, percentiles, type LatencyHistogram, type Percentiles} from '../metrics/histogram.js'
import {orderKeys} from '../metrics/table.js'
import {nodeJoinCommand} from '../util/redis-url.js'
import {printableName} from '../util/printable.js'

/** Progress ticks whose latency makes the live percentiles (~2 s at the orchestrator's 200 ms). */
export const LATENCY_WINDOW_TICKS = 10
/** Throughput samples kept for the sparkline (one per progress tick). */
export const SPARK_MAX = 240
export const EVENTS_MAX = 50
/** Live percentiles are recomputed at most this often (walking histograms is the view's main CPU cost). */
export const LATENCY_REFRESH_MS = 1000
/** Node throughput is averaged over this many ticks. */
const RATE_TICKS = 5

export interface LiveNodeRow {
  readonly node: number
  readonly state: NodeState
  readonly ops: number
  readonly opsPerSec: number
  readonly locksHeld: number
}

export interface LiveUnitRow {
  readonly unit: string
  /** `n0:EX`, `n2:SH`... nodes holding or being granted the unit. */
  readonly holders: readonly string[]
  /** Local operations parked on the unit, summed over nodes. */
  readonly waiters: number
  /** Nodes serving (or deferring) a callback on the unit. */
  readonly callbacks: readonly string[]
}

export interface LiveLatencyRow {
  readonly key: string
  readonly p: Percentiles
}

export interface LiveEvent {
  readonly atMs: number
  readonly text: string
  readonly level: 'info' | 'warn' | 'bad'
}

export type LivePhase = 'starting' | 'running' | 'paused' | 'stopping' | 'checking' | 'finished'

export interface LiveSnapshot {
  readonly title: string
  readonly phase: LivePhase
  readonly elapsedMs: number
  readonly done: number
  readonly total: number | null
  /** Planned run time of a time-bound workload (ms), when `total` is unknown. */
  readonly plannedMs: number | null
  /** `--warmup` (ms; 0 without): the latency panel is empty until it ends, and says so. */
  readonly warmupMs?: number
  readonly opsPerSec: number
  /** Estimated ms to go (null: open-ended workload or no rate yet). */
  readonly etaMs: number | null
  readonly nodes: readonly LiveNodeRow[]
  readonly units: readonly LiveUnitRow[]
  readonly busyUnitsTotal: number
  readonly latency: readonly LiveLatencyRow[]
  readonly spark: readonly number[]
  readonly events: readonly LiveEvent[]
  /** The machine's CPUs over the last ~2 s: how busy (0..1), and whether that saturates them. */
  readonly cpu?: {readonly busy: number | null; readonly saturated: boolean}
}

export class LiveModel {
  private phase: LivePhase = 'starting'
  private elapsedMs = 0
  private done = 0
  private total: number | null = null
  private nodes: readonly NodeLive[] = []
  private readonly history: {t: number; done: number; perNode: readonly number[]}[] = []
  private readonly latency: Map<string, LatencyHistogram>[] = []
  /** Sum of the ticks in `latency`, kept incrementally (add the new tick, subtract the evicted one). */
  private readonly window = new Map<string, LatencyHistogram>()
  private rows: LiveLatencyRow[] = []
  private rowsAtMs = Number.NEGATIVE_INFINITY
  private rowsStale = false
  private readonly spark: number[] = []
  private readonly events: LiveEvent[] = []
  private cpu: {busy: number | null; saturated: boolean} = {busy: null, saturated: false}

  /** `plannedMs`: how long a time-bound workload runs (duration mixes), for progress when the op count is unknown. */
  readonly title: string

  constructor(title: string, nodeCount: number, private readonly plannedMs: number | null = null, private readonly warmupMs = 0) {
    this.title = printableName(title)
    this.nodes = Array.from({length: nodeCount}, (_, node) => ({node, state: 'starting', ops: 0, summary: null}))
  }

  /** The user asked to stop (q / Ctrl-C): shown until the run has stopped. */
  stopping(reason: string): void {
    if (this.phase === 'finished') return
    this.phase = 'stopping'
    this.log(reason, 'warn')
  }

  finished(): void {
    this.phase = 'finished'
  }

  onEvent(e: RunEvent): void {
    switch (e.type) {
      case 'redis':
        this.log(e.private ? `private redis-server at ${e.url}` : `redis ${e.url}`)
        return
      case 'waiting-for-nodes':
        this.log(`waiting for ${e.nodes} nodes: ${nodeJoinCommand(e.redisUrl, e.runId, e.networkFaults)}`)
        return
      case 'started':
        this.phase = 'running'
        this.log(`run ${e.runId}: ${e.nodes.length} nodes started`)
        return
      case 'progress':
        this.progress(e)
        return
      case 'paused':
        this.elapsedMs = e.elapsedMs
        if (this.phase === 'running' || this.phase === 'paused') this.phase = e.paused ? 'paused' : 'running'
        this.log(e.paused ? 'paused: no new ops (callbacks still served)' : 'resumed', 'warn')
        return
      case 'node-done':
        this.nodes = this.nodes.map((n) => (n.node === e.node ? {...n, state: 'done', ops: e.ops} : n))
        this.done = Math.max(this.done, this.nodes.reduce((s, n) => s + n.ops, 0))
        this.log(`node ${e.node} done: ${e.ops} ops`)
        return
      case 'node-error':
        this.log(`node ${e.node} error: ${e.message}`, 'bad')
        return
      case 'stuck':
        this.log(`no progress for ${(e.idleMs / 1000).toFixed(1)}s: stuck, stopping`, 'bad')
        return
      case 'fault': {
        const node = typeof e.line.node === 'number' ? ` node ${e.line.node}` : ''
        if (e.line.type === 'kill' && typeof e.line.node === 'number') this.nodes = this.nodes.map((n) => (n.node === e.line.node ? {...n, state: 'killed'} : n))
        this.log(`${e.line.type}${node}`, e.line.type === 'redis-lost' ? 'bad' : 'warn')
        return
      }
      case 'check':
        if (this.phase !== 'finished') this.phase = 'checking'
        this.log(`check ${e.name}: ${e.valid === true ? 'valid' : e.valid === false ? 'INVALID' : 'unknown'}: ${e.summary}`, e.valid === true ? 'info' : 'bad')
        return
    }
  }

  snapshot(): LiveSnapshot {
    const rate = this.rate((h) => h.done)
    const running = this.phase !== 'finished'
    const etaMs = running && this.total !== null && rate > 0 && this.done < this.total
      ? ((this.total - this.done) / rate) * 1000
      : running && this.total === null && this.plannedMs !== null && this.elapsedMs > 0 ? Math.max(0, this.plannedMs - this.elapsedMs) : null
    const nodes = this.nodes.map((n): LiveNodeRow => ({
      node: n.node, state: n.state, ops: n.ops, opsPerSec: this.rate((h) => h.perNode[n.node] ?? 0), locksHeld: n.summary?.locksHeld ?? 0,
    }))
    return {
      title: this.title, phase: this.phase, elapsedMs: this.elapsedMs, done: this.done, total: this.total, plannedMs: this.plannedMs, warmupMs: this.warmupMs,
      opsPerSec: rate, etaMs, nodes, ...this.units(), latency: this.latencyRows(), spark: [...this.spark], events: [...this.events], cpu: this.cpu,
    }
  }

  private progress(e: Extract<RunEvent, {type: 'progress'}>): void {
    this.elapsedMs = e.elapsedMs
    this.done = e.done
    this.total = e.total
    if (e.nodes) this.nodes = e.nodes
    const saturated = e.saturated ?? false
    // One line in the log when the machine becomes saturated; the header shows it while it lasts.
    if (saturated && !this.cpu.saturated) this.log(`CPUs saturated: ${SATURATION_NOTE}`, 'warn')
    this.cpu = {busy: e.cpuBusy ?? null, saturated}
    const prev = this.history[this.history.length - 1]
    this.history.push({t: e.elapsedMs, done: e.done, perNode: e.perNode})
    if (this.history.length > RATE_TICKS + 1) this.history.shift()
    if (prev && e.elapsedMs > prev.t) {
      this.spark.push(((e.done - prev.done) * 1000) / (e.elapsedMs - prev.t))
      if (this.spark.length > SPARK_MAX) this.spark.shift()
    }
    const tick = new Map<string, LatencyHistogram>()
    for (const [key, counts] of Object.entries(e.interval)) {
      const h = newHistogram()
      addBucketCounts(h, counts)
      tick.set(key, h)
    }
    this.latency.push(tick)
    for (const [key, h] of tick) {
      let w = this.window.get(key)
      if (!w) this.window.set(key, (w = newHistogram()))
      w.add(h)
    }
    if (this.latency.length > LATENCY_WINDOW_TICKS) {
      for (const [key, h] of this.latency.shift()!) this.window.get(key)?.subtract(h)
    }
    this.rowsStale = true
  }

  private rate(of: (h: {done: number; perNode: readonly number[]}) => number): number {
    const first = this.history[0]
    const last = this.history[this.history.length - 1]
    if (!first || !last || last.t <= first.t) return 0
    return ((of(last) - of(first)) * 1000) / (last.t - first.t)
  }

  private units(): {units: LiveUnitRow[]; busyUnitsTotal: number} {
    const byUnit = new Map<string, {holders: string[]; waiters: number; callbacks: string[]; score: number}>()
    let busyTotal = 0
    for (const n of this.nodes) {
      if (!n.summary || n.state === 'done') continue
      busyTotal += n.summary.busyTotal
      for (const b of n.summary.busy) {
        let u = byUnit.get(b.unit)
        if (!u) byUnit.set(b.unit, (u = {holders: [], waiters: 0, callbacks: [], score: 0}))
        if (b.mode !== 'UN') u.holders.push(`n${n.node}:${b.mode}`)
        else if (b.inflight !== null) u.holders.push(`n${n.node}:${b.inflight.replace(/^acquire /, '').split(' ')[0]}?`)
        u.waiters += b.waiters
        if (b.callback !== null) u.callbacks.push(`n${n.node}:${b.callback}`)
        u.score += b.waiters * 4 + (b.callback ? 2 : 0) + b.holders
      }
    }
    const units = [...byUnit].sort(([a, x], [b, y]) => y.score - x.score || (a < b ? -1 : 1)).map(([unit, u]) => ({unit, holders: u.holders, waiters: u.waiters, callbacks: u.callbacks}))
    return {units, busyUnitsTotal: Math.max(busyTotal, units.length)}
  }

  private latencyRows(): LiveLatencyRow[] {
    // The first rows at once, then at most every LATENCY_REFRESH_MS of run time (and at the end).
    const due = this.rows.length === 0 || this.phase === 'finished' || this.elapsedMs - this.rowsAtMs >= LATENCY_REFRESH_MS
    if (this.rowsStale && due) {
      const sum = this.window
      this.rows = orderKeys(sum.keys())
        .filter((key) => sum.get(key)!.totalCount > 0)
        .map((key) => ({key, p: percentiles(sum.get(key)!)}))
      this.rowsAtMs = this.elapsedMs
      this.rowsStale = false
    }
    return this.rows
  }

  private log(text: string, level: LiveEvent['level'] = 'info'): void {
    this.events.push({atMs: this.elapsedMs, text, level})
    if (this.events.length > EVENTS_MAX) this.events.shift()
  }
}
