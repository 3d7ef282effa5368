// Everything the orchestrator learns from the nodes' reports during a run, and what it makes of
// it at the end: ops per node, deadlocks, the counters. The records (history, trace, locks,
// requests) are not kept: they go to a RecordSink as they arrive (record-store.ts writes them to
// disk), so the orchestrator's memory does not grow with the run's length. No Redis and no
// processes (the orchestrator reads the reports and feeds them in), so it is tested on
// hand-made reports (test/cluster/collector.test.ts).
import {hideSecrets} from '../util/redis-url.js'
import type {HistoryReport, HistoryWire, NodeReport, RecordBatch} from '../records/messages.js'
import {addCounters, emptyCounters} from '../records/counters.js'
import {Incarnations} from './incarnations.js'
import type {FinalState} from '../records/final-state.js'
import type {NodeLiveSummary, NodeState} from '../records/live.js'
import {DeadlockLog, type DeadlockPolicy, type StuckNode} from '../records/deadlocks.js'
import type {EventLine} from '../records/events.js'
import type {FaultSummary, NodeLive, RunCollected, RunEnd, RunEvent} from '../records/run.js'
import {IntervalLatency} from '../metrics/interval.js'
import type {RecordKind} from './record-store.js'
import {BatchOrder} from './batch-order.js'

export type Ready = Extract<NodeReport, {type: 'ready'}>
export type Done = Extract<NodeReport, {type: 'done'}>

/** What a run's end adds to the reports: its chaos (from the supervisor) and its event log. */
export interface RunEndFacts {
  readonly end: RunEnd
  readonly durationMs: number
  /** Microseconds since the epoch: when the nodes started, and now. */
  readonly startUs: number
  readonly nowUs: number
  readonly deadProcs: ReadonlySet<number>
  /** Process -> wall-clock ms of its death. */
  readonly deathMs: ReadonlyMap<number, number>
  readonly recoveriesMs: readonly number[]
  readonly final: FinalState
  /** Deviations of the run's broken variant, by the manager scripts and the nodes (Redis `break-fired`). */
  readonly breakFired?: number
  /** The fault table per kind (chaos/fault-table.ts). */
  readonly byKind?: FaultSummary['byKind']
}

/** Where a report's records go (RecordStore: the run's spool files). */
export interface RecordSink {
  history(node: number, proc: number, entries: RecordBatch<HistoryWire>): void
  records(kind: Exclude<RecordKind, 'history'>, proc: number, rows: RecordBatch<unknown>): void
}

export interface CollectorHooks {
  readonly emit: (event: RunEvent) => void
  /** Appends to events.jsonl. */
  readonly log: (type: string, fields: Record<string, unknown>) => void
  /** Milliseconds since the nodes started (0 before). */
  readonly elapsedMs: () => number
  /** True while reports may come from a Redis that lost earlier ones (their history is dropped). */
  readonly untrusted: () => boolean
  /** The reaper purged this process's locks: its late reports (held by a partition) do not bring them back. */
  readonly purged?: (proc: number) => boolean
}

export type Collected = Pick<RunCollected, 'durationMs' | 'end' | 'errors' | 'nodes' | 'totals' | 'final' | 'faults' | 'deadlocks' | 'events' | 'redisFaults'>

export class ReportCollector {
  readonly ready = new Map<number, Ready>()
  readonly done = new Map<number, Done>()
  readonly flushed = new Set<number>()
  readonly stopped = new Set<number>()
  readonly errors: {node: number; message: string}[] = []
  /** History batches stored in each process's order: one that came early waits, a re-sent copy is dropped. */
  private readonly batches = new BatchOrder<HistoryReport>()
  /** Ops per node, summed over its incarnations. */
  readonly perNode: number[]
  /**
   * Page accesses per node in the history it sent (invokes), all incarnations: more than its
   * counters hold when one was killed, whose counts stop at its last progress report.
   */
  private readonly historyAccesses: number[]
  /** Deadlock id the `abort` policy ends the run on (the first one found). */
  deadlockToAbort: number | null = null
  private readonly opsByProc = new Map<number, number>()
  private readonly waits: FinalState['waits'][number][] = []
  /** Latencies of the progress reports since the last live-view tick, added bucket by bucket. */
  private readonly interval = new IntervalLatency()
  private readonly live: (NodeLiveSummary | null)[]
  /** Each node's op and waits from its last progress report (a stuck run's or a lost Redis's explanation). */
  readonly lastSeen = new Map<number, StuckNode>()
  private readonly deadlocks = new DeadlockLog()
  private readonly stuck: {timeMs: number; idleMs: number; nodes: StuckNode[]}[] = []
  private fencedWritebacks = 0
  /** Counters and histograms per process: done reports, else the last progress (killed incarnations). */
  private readonly incarnations: Incarnations

  /** Node k's latest process that reported (for faults on nodes this orchestrator did not spawn: --external-nodes). */
  latestProc(node: number): number | null {
    return this.incarnations.latest(node)
  }

  constructor(readonly nodes: number, readonly policy: DeadlockPolicy, private readonly hooks: CollectorHooks, private readonly sink: RecordSink) {
    this.perNode = new Array<number>(nodes).fill(0)
    this.historyAccesses = new Array<number>(nodes).fill(0)
    this.live = new Array<NodeLiveSummary | null>(nodes).fill(null)
    this.incarnations = new Incarnations(nodes)
  }

  handle(r: NodeReport): void {
    switch (r.type) {
      case 'ready':
        this.ready.set(r.node, r)
        this.incarnations.seen(r.proc ?? r.node)
        return
      case 'progress':
        this.noteOps(r.node, r.proc, r.ops)
        this.incarnations.progress(r)
        this.interval.add(r.latency)
        if (r.current !== undefined) this.lastSeen.set(r.node, {node: r.node, op: r.current, waits: r.waits ?? []})
        if (r.live && !(this.hooks.purged?.(r.proc ?? r.node) ?? false)) this.live[r.node] = r.live
        return
      case 'deadlock':
        return this.noteDeadlock(r)
      case 'history':
        // Posted to a Redis that restarted: batches before it may be lost, so these could show
        // reads of writes whose history vanished. The history ends at the restart.
        if (this.hooks.untrusted()) return
        if (r.batch === undefined) return this.store(r)
        for (const b of this.batches.accept(r.proc ?? r.node, r.batch, r)) this.store(b)
        return
      case 'flushed':
        this.flushed.add(r.node)
        return
      case 'waits':
        this.waits.push({node: r.node, units: r.units})
        return
      case 'stopped':
        this.stopped.add(r.node)
        this.incarnations.stopped(r)
        return
      case 'done':
        this.noteOps(r.node, r.proc, r.ops)
        // Its last ops' latencies, recorded after its last progress report, go to the next tick too.
        this.interval.add(this.incarnations.unreported(r))
        this.done.set(r.node, r)
        this.incarnations.done(r)
        if (this.hooks.elapsedMs() > 0) this.hooks.emit({type: 'node-done', elapsedMs: this.hooks.elapsedMs(), node: r.node, ops: r.ops})
        return
      case 'event':
        if (r.event.type === 'writeback-refused') this.fencedWritebacks++
        this.hooks.log(r.event.type, {...r.event, node: r.node})
        return
      case 'error':
        // A node's message may quote what Redis said, password included: scrubbed here.
        this.errors.push({node: r.node, message: hideSecrets(r.message)})
        this.hooks.emit({type: 'node-error', node: r.node, message: hideSecrets(r.message)})
    }
  }

  /** At the run's end, before the record store writes the run's files: the batches still waiting for a missing one (its gap is cut there). */
  releaseHeldBatches(): void {
    for (const {item} of this.batches.drain()) this.store(item)
  }

  private store(r: HistoryReport): void {
    if (r.node < 0 || r.node >= this.nodes) return
    const proc = r.proc ?? r.node
    for (const row of r.entries.rows) if (row[2] === 'invoke') this.historyAccesses[r.node]!++
    this.sink.history(r.node, proc, r.entries)
    this.sink.records('trace', proc, r.trace)
    this.sink.records('locks', proc, r.locks)
    this.sink.records('requests', proc, r.requests)
  }

  /** Ops done so far, all nodes. */
  totalOps(): number {
    return this.perNode.reduce((a, b) => a + b, 0)
  }

  /** The ops every node announced when ready; null when some node plays an open-ended mix. */
  plannedOps(): number | null {
    const all = [...this.ready.values()]
    return all.every((r) => r.total !== null) ? all.reduce((s, r) => s + (r.total ?? 0), 0) : null
  }

  /** The progress tick of the live view; `chaosState` says which nodes chaos killed. */
  progress(chaosState: (node: number) => NodeState | null, purgedNow: (node: number) => boolean = () => false): Extract<RunEvent, {type: 'progress'}> {
    const nodes = this.perNode.map((ops, node): NodeLive => {
      // A dead node's locks disappear from the view once the reaper purged them.
      const summary = purgedNow(node) ? null : this.live[node] ?? null
      const state = this.done.has(node) ? 'done' : chaosState(node) ?? (summary === null ? 'starting' : summary.paused ? 'paused' : 'alive')
      return {node, state, ops, summary}
    })
    return {type: 'progress', elapsedMs: this.hooks.elapsedMs(), done: this.totalOps(), total: this.plannedOps(), perNode: [...this.perNode], interval: this.interval.take(), nodes}
  }

  /** The run is stuck: what each node was doing and waiting for, from its last progress reports. */
  noteStuck(idleMs: number): StuckNode[] {
    const nodes = Array.from({length: this.nodes}, (_, k) => this.lastSeen.get(k) ?? {node: k, op: null, waits: []})
    this.stuck.push({timeMs: this.hooks.elapsedMs(), idleMs, nodes})
    return nodes
  }

  /** The waits reports of a stuck run, by node. */
  stuckWaits(): FinalState['waits'] {
    return [...this.waits].sort((a, b) => a.node - b.node)
  }

  /**
   * Everything collected, closed at the run's end; logs deadlocks and stuck waits. `cut`: the
   * processes whose history had a gap (the record store found them when it wrote the history).
   */
  collect(facts: RunEndFacts, eventRecords: () => readonly EventLine[], cut: readonly number[] = []): Collected {
    const dead = [...facts.deadProcs].sort((a, b) => a - b)
    if (cut.length > 0) this.errors.push({node: -1, message: `history of processes ${cut.join(', ')} has a gap (batches lost with Redis): their later entries were dropped`})
    // Deadlocks are complete only now (every node of a cycle has reported): one writer, events.jsonl.
    const found = this.deadlocks.records()
    for (const d of found) this.hooks.log('deadlock', {...d})
    for (const s of this.stuck) this.hooks.log('stuck', {...s})
    const events = eventRecords()
    const counted = this.nodeTotals()
    counted.totals.breakFired = facts.breakFired ?? 0
    return {
      durationMs: facts.durationMs, end: facts.end, errors: this.errors, ...counted, final: facts.final,
      faults: {...this.faultSummary(events, dead, facts.recoveriesMs), ...(facts.byKind ? {byKind: facts.byKind} : {})},
      deadlocks: found, events: [...events],
    }
  }

  /** Every node's incarnations merged (a killed one counted from its last progress report), and their sum. */
  private nodeTotals(): Pick<Collected, 'nodes' | 'totals'> {
    const totals = emptyCounters()
    const nodes = Array.from({length: this.nodes}, (_, k) => {
      const r = this.ready.get(k)
      const t = this.incarnations.node(k)
      addCounters(totals, t.counters)
      return {node: k, pid: r?.pid ?? -1, host: r?.host ?? '?', ops: this.perNode[k] ?? 0, counters: t.counters, histograms: t.histograms, incarnations: t.incarnations, unfinished: t.unfinished, historyAccesses: this.historyAccesses[k] ?? 0}
    })
    // Ops as the progress and done reports counted them (a killed incarnation's last progress, like its counters).
    totals.ops = nodes.reduce((sum, x) => sum + x.ops, 0)
    return {nodes, totals}
  }

  private faultSummary(events: readonly EventLine[], dead: readonly number[], recoveryMs: readonly number[]): FaultSummary {
    const count = (type: string) => events.filter((e) => e.type === type).length
    return {
      kills: count('kill'), pauses: count('pause'), leaseLosses: count('lease-lost'), deaths: count('death-detected'), restarts: count('node-restarted'),
      recoveryMs, fencedWritebacks: this.fencedWritebacks, deadProcesses: dead,
    }
  }

  /** Each incarnation counts its own ops from 0: a node's ops are the sum over its processes. */
  private noteOps(node: number, proc: number | undefined, ops: number): void {
    this.opsByProc.set(proc ?? node, ops)
    let sum = 0
    for (const [p, o] of this.opsByProc) if (p % this.nodes === node) sum += o
    this.perNode[node] = sum
  }

  private noteDeadlock(r: Extract<NodeReport, {type: 'deadlock'}>): void {
    if (!this.deadlocks.add(r, this.hooks.elapsedMs())) return
    const record = this.deadlocks.records().find((d) => d.id === r.id)
    if (record) this.hooks.emit({type: 'deadlock', id: r.id, text: record.text, victim: r.victim, policy: this.policy})
    if (this.policy === 'abort') this.deadlockToAbort ??= r.id
  }
}

/** Each dead process's death, ns since the run's start (the run's end when it is not known). */
export function deathsNs(facts: Pick<RunEndFacts, 'deadProcs' | 'deathMs' | 'startUs' | 'nowUs'>): Map<number, number> {
  const endNs = (facts.nowUs - facts.startUs) * 1000
  const dead = [...facts.deadProcs].sort((a, b) => a - b)
  return new Map(dead.map((p) => [p, facts.deathMs.has(p) ? (facts.deathMs.get(p)! * 1000 - facts.startUs) * 1000 : endNs]))
}
