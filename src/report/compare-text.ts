// Side-by-side comparison of one workload run under several copy strategies
// (`cmm run workload FILE --copy-strategy naive,ordered,retry`).
import {validityWord} from '../check/verdict.js'
import {decodeHistogram, percentiles} from '../metrics/histogram.js'
import {opKey, type EncodedHistograms} from '../records/histogram-keys.js'
import {formatLatency} from '../metrics/table.js'
import type {RunSummary} from '../results/summary.js'

export interface StrategyRun {
  readonly summary: RunSummary
  readonly merged: EncodedHistograms | null
  readonly dir: string
}

/** Copy latency (corrected, merged across nodes), or null without copies. */
export function copyLatency(merged: EncodedHistograms | null): {p50: number; p99: number; count: number} | null {
  const encoded = merged?.corrected[opKey('copy')]
  if (encoded === undefined) return null
  const p = percentiles(decodeHistogram(encoded))
  return p.count === 0 ? null : {p50: p.p50, p99: p.p99, count: p.count}
}

export function comparisonText(runs: readonly StrategyRun[]): string {
  // `copies timed`: the op:copy histogram's count, the copies its p50 and p99 are of (failed ones and
  // a --warmup's are in no histogram: naive's 60 beside 60 failed of 120).
  const header = ['strategy', 'ended', 'ops', 'deadlocks', 'retries', 'failed ops', 'copies timed', 'copy p50', 'copy p99', 'verdict', 'results']
  const rows = runs.map(({summary: s, merged, dir}) => {
    const lat = copyLatency(merged)
    return [
      s.copies.strategy, s.end, String(s.ops), String(s.deadlocks.count), String(s.copies.retries), String(s.copies.opsFailed),
      String(lat?.count ?? 0), lat ? formatLatency(lat.p50) : '-', lat ? formatLatency(lat.p99) : '-', validityWord(s.checks.valid), dir,
    ]
  })
  const table = [header, ...rows]
  const widths = header.map((_, c) => Math.max(...table.map((r) => (r[c] ?? '').length)))
  const line = (r: readonly string[]) => r.map((cell, c) => (c === 0 || c >= 9 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ').trimEnd()
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}
