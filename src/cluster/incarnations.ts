// Each node process (incarnation) as the orchestrator last heard of it: its counters and latency
// buckets, merged per node at the run's end. An incarnation that said `done` is counted from its
// done report (its counters from its `stopped` report when it sent one: the callbacks it served
// and the final write-back after its own ops, which add to no histogram); one that was killed (or never finished) from its progress reports: each carries
// the counters at that moment and the buckets recorded since the previous one, taken in the same
// timer callback, so their sums agree with each other exactly as a done report's do. Without
// this a killed incarnation's counters and histograms were lost while its ops were counted.
import type {NodeReport} from '../records/messages.js'
import {addCounters, emptyCounters, type NodeCounters} from '../records/counters.js'
import type {BucketCounts, CountsHistograms, EncodedHistograms} from '../records/histogram-keys.js'
import {encodeCounts} from '../metrics/histogram.js'

type Progress = Extract<NodeReport, {type: 'progress'}>
type Done = Extract<NodeReport, {type: 'done'}>
type Stopped = Extract<NodeReport, {type: 'stopped'}>

/** Bucket index -> count, per histogram key. */
type SparseCounts = Map<string, Map<number, number>>

interface Incarnation {
  counters: NodeCounters | null
  readonly corrected: SparseCounts
  readonly uncorrected: SparseCounts
  /** Keys some interval recorded an uncorrected latency for (open-loop ops). */
  readonly split: Set<string>
  done: Done | null
  /** Counters of its `stopped` report: those of `done` plus what it did until stopped (callbacks served, the final write-back). */
  stopped: NodeCounters | null
}

/** One node's incarnations merged: what run.json and the histogram files show for it. */
export interface NodeTotals {
  readonly counters: NodeCounters
  readonly histograms: EncodedHistograms | null
  /** Processes that played this node's script (1 + restarts). */
  readonly incarnations: number
  /** Of those, the ones that never sent `done` (killed, or cut off): counted from their last progress report. */
  readonly unfinished: number
}

export class Incarnations {
  private readonly procs = new Map<number, Incarnation>()

  constructor(private readonly nodes: number) {}

  /** An incarnation exists from its first report on (ready, progress or done). */
  seen(proc: number): void {
    this.of(proc)
  }

  /** Node k's latest incarnation that reported (its process id), or null before any did. */
  latest(k: number): number | null {
    let best: number | null = null
    for (const p of this.procs.keys()) if (p % this.nodes === k && (best === null || p > best)) best = p
    return best
  }

  progress(r: Progress): void {
    const inc = this.of(r.proc ?? r.node)
    if (r.counters) inc.counters = r.counters
    addSparse(inc.corrected, r.latency)
    for (const key of Object.keys(r.latency)) {
      const u = r.uncorrected?.[key]
      if (u !== undefined) inc.split.add(key)
      addSparse(inc.uncorrected, {[key]: u ?? r.latency[key]!})
    }
  }

  done(r: Done): void {
    this.of(r.proc ?? r.node).done = r
  }

  /**
   * The corrected latencies a `done` report holds beyond the intervals its incarnation already
   * sent in progress reports (those recorded after its last one), per key; call before done(r).
   * Without them the timeline ended at the nodes' last progress report, short of the run's ops.
   */
  unreported(r: Done): Record<string, BucketCounts> {
    const sent = this.of(r.proc ?? r.node).corrected
    const out: Record<string, BucketCounts> = {}
    for (const [key, pairs] of Object.entries(r.histograms.corrected)) {
      const before = sent.get(key)
      const rest: number[] = []
      for (let i = 0; i + 1 < pairs.length; i += 2) {
        const n = pairs[i + 1]! - (before?.get(pairs[i]!) ?? 0)
        if (n > 0) rest.push(pairs[i]!, n)
      }
      if (rest.length > 0) out[key] = rest
    }
    return out
  }

  stopped(r: Stopped): void {
    if (r.counters) this.of(r.proc ?? r.node).stopped = r.counters
  }

  /** Node k's incarnations merged (processes k, k + nodes, k + 2 nodes, ...). */
  node(k: number): NodeTotals {
    const mine = [...this.procs].filter(([p]) => p % this.nodes === k).sort(([a], [b]) => a - b).map(([, inc]) => inc)
    const counters = emptyCounters()
    const parts: CountsHistograms[] = []
    let unfinished = 0
    for (const inc of mine) {
      if (inc.done === null) unfinished++
      const c = inc.stopped ?? inc.done?.counters ?? inc.counters
      if (c) addCounters(counters, c)
      parts.push(inc.done?.histograms ?? fromSparse(inc))
    }
    const merged = mergeCounts(parts)
    const histograms = Object.keys(merged.corrected).length === 0 ? null : encodeCounts(merged)
    return {counters, histograms, incarnations: mine.length, unfinished}
  }

  private of(proc: number): Incarnation {
    let inc = this.procs.get(proc)
    if (inc === undefined) this.procs.set(proc, (inc = {counters: null, corrected: new Map(), uncorrected: new Map(), split: new Set(), done: null, stopped: null}))
    return inc
  }
}

function addSparse(into: SparseCounts, counts: Readonly<Record<string, BucketCounts>>): void {
  for (const [key, pairs] of Object.entries(counts)) {
    let m = into.get(key)
    if (m === undefined) into.set(key, (m = new Map()))
    for (let i = 0; i + 1 < pairs.length; i += 2) m.set(pairs[i]!, (m.get(pairs[i]!) ?? 0) + pairs[i + 1]!)
  }
}

function toPairs(m: ReadonlyMap<number, number>): BucketCounts {
  return [...m].sort(([a], [b]) => a - b).flat()
}

function fromSparse(inc: Incarnation): CountsHistograms {
  const out: CountsHistograms = {corrected: {}, uncorrected: {}}
  for (const [key, m] of inc.corrected) out.corrected[key] = toPairs(m)
  for (const key of inc.split) out.uncorrected[key] = toPairs(inc.uncorrected.get(key)!)
  return out
}

/** Several incarnations' bucket counts as one (uncorrected falls back to corrected per part, as encodeCounts reads it). */
function mergeCounts(parts: readonly CountsHistograms[]): CountsHistograms {
  if (parts.length === 1) return parts[0]!
  const corrected: SparseCounts = new Map()
  const uncorrected: SparseCounts = new Map()
  const split = new Set<string>()
  for (const p of parts) {
    addSparse(corrected, p.corrected)
    for (const key of Object.keys(p.corrected)) {
      if (p.uncorrected[key] !== undefined) split.add(key)
      addSparse(uncorrected, {[key]: p.uncorrected[key] ?? p.corrected[key]!})
    }
  }
  return fromSparse({counters: null, corrected, uncorrected, split, done: null, stopped: null})
}
