// What a benchmark figure produces, and the small helpers every figure uses. A figure is a list
// of rows; a row is one number, optionally compared with a baseline measured in the same run.
import type {Redis} from 'ioredis'
import type {ProtocolSettings} from '../src/protocol/types.js'
import {commandStat} from '../src/records/resources.js'

export interface BenchRow {
  /** Which figure of issue 6 / BENCHMARKS.md the row belongs to, e.g. "4 contended handoff". */
  readonly figure: string
  readonly metric: string
  readonly value: number
  readonly unit: string
  /** `value / baseline`, when the row is a ratio against a baseline of the same run. */
  readonly ratio?: number
  /** What the ratio is taken against, e.g. "PING p50 (63 µs)". */
  readonly vs?: string
  /** Target on the ratio (or value), e.g. "<= 4", and whether this run met it. */
  readonly target?: string
  readonly met?: boolean
}

/** What run.ts hands every figure: the private Redis of the run and the baselines measured first. */
export interface BenchContext {
  readonly redisUrl: string
  /** A client for commandstats and baselines; figures open their own connections for traffic. */
  readonly redis: Redis
  readonly baseline: Baselines
  /** Scratch folder for run folders (node logs). */
  readonly tmpDir: string
}

export interface Baselines {
  readonly pingP50: number
  readonly pingP99: number
  readonly evalshaP50: number
  readonly evalshaP99: number
  /** CPU (user + system) of the bench process per sequential round trip (PING or EVALSHA). */
  readonly clientCpuUsPerCall: number
}

/** Percentile (0..100) of samples, nearest rank. Sorts in place. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN
  samples.sort((a, b) => a - b)
  const rank = Math.min(samples.length - 1, Math.max(0, Math.ceil((p / 100) * samples.length) - 1))
  return samples[rank] ?? Number.NaN
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits
  return Math.round(n * f) / f
}

/** Microseconds, fractional. */
export function nowUsFine(): number {
  return performance.now() * 1000
}

/** Calls of a command in INFO commandstats, e.g. calls(info, 'evalsha'). */
export function commandCalls(info: string, command: string): number {
  return commandStat(info, command).calls
}

/** Calls of `command` and the microseconds Redis spent in them, from INFO commandstats (run.json's `resources` reads them the same way). */
export {commandStat} from '../src/records/resources.js'

export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/**
 * Settings of the in-process figures (2, 3, 4): real runtimes from test/helpers/cluster.ts (same
 * NodeRuntime, Lua scripts and inbox streams as node processes) steered op by op from the bench.
 */
export const BENCH_SETTINGS: ProtocolSettings = {granularity: 'page', states: 'shared', downgrade: 'unmap', holdTimeUs: 0, pageSize: 4096}
