// The run.json document: what was run, how it ended, what it cost, and the verdicts.
import type {RunCollected} from '../records/run.js'
import type {NodeCounters} from '../records/counters.js'
import type {ChecksReport} from '../check/verdict.js'
import type {LocatedViolation} from '../records/violation.js'
import type {CopyStrategy} from '../protocol/copy-plan.js'
import type {RunResources} from '../records/resources.js'
import type {EncodedHistograms} from '../records/histogram-keys.js'
import {decodeHistogram, newHistogram, percentiles as histogramPercentiles} from '../metrics/histogram.js'

export const RESULTS_FORMAT = 1

export interface FaultReport {
  readonly kills: number
  readonly pauses: number
  readonly leaseLosses: number
  readonly deaths: number
  readonly restarts: number
  /** Fault (kill/pause) -> the dead node's locks purged and regranted, ms. */
  readonly recoveryMs: {readonly count: number; readonly p50: number | null; readonly p99: number | null; readonly max: number | null}
  readonly fencedWritebacks: number
  readonly deadProcesses: readonly number[]
  /** Per fault kind: faults injected, and fault -> locks regranted (ms) for those that cost a lease. */
  readonly byKind: readonly {readonly kind: string; readonly faults: number; readonly recoveryMs: Percentiles}[]
}

type Percentiles = {readonly count: number; readonly p50: number | null; readonly p99: number | null; readonly max: number | null}

function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b)
  const q = (p: number) => (sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? null)
  return {count: sorted.length, p50: q(0.5), p99: q(0.99), max: sorted.at(-1) ?? null}
}

function faultReport(f: NonNullable<RunCollected['faults']>): FaultReport | undefined {
  const byKind = (f.byKind ?? []).map((r) => ({kind: r.kind, faults: r.faults, recoveryMs: percentiles(r.recoveryMs)}))
  if (f.kills + f.pauses + f.deaths + f.leaseLosses === 0 && byKind.length === 0) return undefined
  return {
    kills: f.kills, pauses: f.pauses, leaseLosses: f.leaseLosses, deaths: f.deaths, restarts: f.restarts,
    recoveryMs: percentiles(f.recoveryMs),
    fencedWritebacks: f.fencedWritebacks, deadProcesses: f.deadProcesses, byKind,
  }
}

export interface RunSummary {
  readonly format: number
  readonly runId: string
  readonly workload: {readonly name: string; readonly description: string; readonly source: string}
  readonly settings: RunCollected['workload']['cluster']
  readonly seed: number
  /** The command line that reproduces the run, seed included (absent when run from code, e.g. the bench). */
  readonly command?: string
  /** The deliberately broken protocol variant run (`--break`), or null. */
  readonly break: RunCollected['breakVariant']
  /** With --break: times the deviation was taken (nodes and manager); 0 = it never fired, so the run says nothing about it. */
  readonly breakFired?: number
  /** Liveness bound (ms): per op, and for the whole run's progress. */
  readonly livenessMs: number
  /** `--warmup` (ms): ops and accesses started before it (counters untimedOps, untimedAccesses) are checked but in no latency histogram. */
  readonly warmupMs: number
  readonly redis: RunCollected['redis']
  readonly startedAt: string
  readonly durationMs: number
  readonly end: RunCollected['end']
  readonly ops: number
  readonly opsPerSec: number
  /** Node loss (issue 4), only when faults were injected or nodes died. */
  readonly faults?: FaultReport
  /** Redis restarts and failovers (issue 16), only when some were injected: what each lost. */
  readonly redisFaults?: RunCollected['redisFaults']
  /** The protocol's cost per unit of work. */
  readonly cost: {
    readonly faults: number
    readonly roundTripsPerFault: number
    readonly roundTripsPerOp: number
    /** Every command the nodes sent per op (counters.redisCommands): the protocol's round trips and cmm's own (inbox reads, leases, records, reports); absent from runs written before it was counted. */
    readonly redisCommandsPerOp?: number
    readonly callbacksPerOp: number
    readonly pagesWrittenBackPerOp: number
  }
  readonly counters: NodeCounters
  /** CPU and peak RSS per process, CPU per op, and whether the machine's CPUs were saturated. */
  readonly resources?: RunResources
  /**
   * Per node, its incarnations merged: `incarnations` processes played its script (1 + restarts;
   * each replays the whole script from its start, so ops can exceed the script's), `unfinished`
   * of them were killed or cut off and are counted to their last progress report; `latency`: all
   * its ops (corrected, µs), from the same histograms as histograms/node-K/.
   */
  readonly nodes: readonly NodeSummary[]
  readonly errors: RunCollected['errors']
  readonly checks: ChecksReport
  /** Every violation placed on its unit, nodes and times, causes first (check/locate.ts); absent when valid. */
  readonly explained?: readonly LocatedViolation[]
  /** Copies: how they took their locks and what that cost (docs/DEADLOCKS.md). */
  readonly copies: {readonly strategy: CopyStrategy; readonly retries: number; readonly fallbacks: number; readonly opsFailed: number}
  /** Deadlocks the manager found; every one is in events.jsonl with the ops involved. */
  readonly deadlocks: {readonly count: number; readonly broken: number; readonly policy: RunCollected['onDeadlock']; readonly cycles: readonly {readonly id: number; readonly text: string; readonly victim: number; readonly ops: Readonly<Record<string, string | null>>}[]}
  readonly files: {readonly history: string; readonly trace: string; readonly locks: string; readonly requests?: string; readonly final: string; readonly histograms: string; readonly nodeLogs: string; readonly events: string}
}

/** Cycles listed in run.json (all of them are in events.jsonl). */
const CYCLES_IN_SUMMARY = 10

export interface NodeSummary {
  readonly node: number
  readonly pid: number
  readonly host: string
  readonly ops: number
  readonly incarnations: number
  readonly unfinished: number
  readonly counters: NodeCounters
  readonly latency: {readonly count: number; readonly p50: number; readonly p99: number} | null
  /**
   * Page accesses of its incarnations in history.jsonl (invokes): all they did, where `counters`
   * stop at a killed incarnation's last progress report (one killed before its first counts nothing).
   */
  readonly historyAccesses?: number
}

export function summarize(run: RunCollected, checks: ChecksReport): RunSummary {
  const t = run.totals
  const ops = t.ops
  const faults = t.faults['cached-lock'] + t.faults.acquired + t.faults.upgrade + t.faults['after-callback']
  const callbacks = t.callbacks.release + t.callbacks.downgrade
  const ratio = (a: number, b: number) => (b === 0 ? 0 : round(a / b))
  const faultsReport = run.faults ? faultReport(run.faults) : undefined
  return {
    format: RESULTS_FORMAT,
    runId: run.runId,
    workload: {name: run.workload.name, description: run.workload.description, source: run.workload.source},
    settings: run.workload.cluster,
    seed: run.seed,
    break: run.breakVariant,
    ...(run.breakVariant ? {breakFired: t.breakFired} : {}),
    livenessMs: run.livenessMs,
    warmupMs: run.warmupMs,
    redis: run.redis,
    startedAt: run.startedAt,
    durationMs: round(run.durationMs),
    end: run.end,
    ops,
    opsPerSec: run.durationMs > 0 ? round((ops * 1000) / run.durationMs) : 0,
    ...(faultsReport ? {faults: faultsReport} : {}),
    ...(run.redisFaults && run.redisFaults.length > 0 ? {redisFaults: run.redisFaults} : {}),
    cost: {
      faults,
      roundTripsPerFault: ratio(t.redisRoundTrips, faults),
      roundTripsPerOp: ratio(t.redisRoundTrips, ops),
      redisCommandsPerOp: ratio(t.redisCommands, ops),
      callbacksPerOp: ratio(callbacks, ops),
      pagesWrittenBackPerOp: ratio(t.pagesWrittenBack, ops),
    },
    counters: t,
    ...(run.resources ? {resources: run.resources} : {}),
    nodes: run.nodes.map(({node, pid, host, ops: o, counters, histograms, incarnations, unfinished, historyAccesses}) => ({node, pid, host, ops: o, incarnations: incarnations ?? 1, unfinished: unfinished ?? 0, counters, latency: opLatency(histograms), ...(historyAccesses === undefined ? {} : {historyAccesses})})),
    errors: run.errors,
    checks,
    copies: {strategy: run.workload.cluster.copyStrategy, retries: t.copyRetries, fallbacks: t.copyFallbacks, opsFailed: t.opsFailed},
    deadlocks: {
      count: run.deadlocks.length,
      broken: run.deadlocks.filter((d) => d.broken).length,
      policy: run.onDeadlock,
      cycles: run.deadlocks.slice(0, CYCLES_IN_SUMMARY).map((d) => ({id: d.id, text: d.text, victim: d.victim, ops: d.ops})),
    },
    files: {history: 'history.jsonl', trace: 'trace.jsonl', locks: 'locks.jsonl', requests: 'requests.jsonl', final: 'final.json', histograms: 'histograms/', nodeLogs: 'nodes/', events: 'events.jsonl'},
  }
}

/** All of a node's ops (every op:* key, corrected) as count, p50 and p99 in µs; null without any. */
function opLatency(h: EncodedHistograms | null): NodeSummary['latency'] {
  if (h === null) return null
  const sum = newHistogram()
  for (const [key, encoded] of Object.entries(h.corrected)) if (key.startsWith('op:')) sum.add(decodeHistogram(encoded))
  if (sum.totalCount === 0) return null
  const p = histogramPercentiles(sum)
  return {count: p.count, p50: p.p50, p99: p.p99}
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000
}
