// Plain-text percentile table for the end of a run and the report command.
import {decodeHistogram, percentiles, type Percentiles} from './histogram.js'
import {HISTOGRAM_KEYS, type EncodedHistograms} from '../records/histogram-keys.js'

/** µs below 1 ms, ms with 2 decimals below 10 s, s with 2 decimals above. */
export function formatLatency(us: number): string {
  if (us < 1000) return `${Number.isInteger(us) ? us : us.toFixed(1)} µs`
  if (us < 10_000_000) return `${(us / 1000).toFixed(2)} ms`
  return `${(us / 1_000_000).toFixed(2)} s`
}

const HEADER = ['histogram', 'count', 'mean', 'p50', 'p90', 'p99', 'p99.9', 'max'] as const

// Known keys in their natural order (ops, then fault classes), anything else alphabetically after.
export function orderKeys(keys: Iterable<string>): string[] {
  const known = new Map<string, number>(HISTOGRAM_KEYS.map((k, i) => [k, i]))
  const rank = (k: string): number => known.get(k) ?? known.size
  return [...keys].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
}

function row(label: string, p: Percentiles): string[] {
  return [label, String(p.count), ...[p.mean, p.p50, p.p90, p.p99, p.p999, p.max].map(formatLatency)]
}

/**
 * One row per key with data (corrected values), followed by an `(uncorrected)` row for keys whose
 * uncorrected histogram differs, so the effect of coordinated omission is visible side by side.
 */
export function formatPercentileTable(merged: EncodedHistograms): string {
  const rows: string[][] = []
  for (const key of orderKeys(new Set([...Object.keys(merged.corrected), ...Object.keys(merged.uncorrected)]))) {
    const corrected = merged.corrected[key]
    const uncorrected = merged.uncorrected[key]
    if (corrected !== undefined) {
      const p = percentiles(decodeHistogram(corrected))
      if (p.count > 0) rows.push(row(key, p))
    }
    if (uncorrected !== undefined && uncorrected !== corrected) {
      const p = percentiles(decodeHistogram(uncorrected))
      if (p.count > 0) rows.push(row(`${key} (uncorrected)`, p))
    }
  }
  if (rows.length === 0) return '(no latency data)\n'
  const table = [[...HEADER], ...rows]
  const widths = HEADER.map((_, c) => Math.max(...table.map((r) => (r[c] ?? '').length)))
  const line = (r: readonly string[]): string =>
    r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ').trimEnd()
  const rule = widths.map((w) => '-'.repeat(w)).join('  ')
  return [line(table[0] ?? []), rule, ...rows.map(line)].join('\n') + '\n'
}
