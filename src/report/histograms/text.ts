// Text outputs of `cmm report histograms`: the percentile table of one run, the side-by-side
// comparison of several (ratios against the first), CSV, JSON and .hgrm.
import {formatLatency, formatPercentileTable} from '../../metrics/table.js'
import {validityWord} from '../../check/verdict.js'
import type {EncodedHistograms} from '../../records/histogram-keys.js'
import type {StoredRun} from './load.js'
import {percentileRows, type PercentileRow} from './rows.js'
import {printableName} from '../../util/printable.js'

export interface Shown {
  readonly run: StoredRun
  /** `merged` or `node-K`. */
  readonly group: string
  readonly histograms: EncodedHistograms
}

const COLUMNS = ['count', 'mean', 'p50', 'p90', 'p99', 'p99.9', 'max'] as const
type Column = (typeof COLUMNS)[number]

function value(r: PercentileRow, c: Column): number {
  const p = r.p
  return c === 'count' ? p.count : c === 'mean' ? p.mean : c === 'p50' ? p.p50 : c === 'p90' ? p.p90 : c === 'p99' ? p.p99 : c === 'p99.9' ? p.p999 : p.max
}

export function runHeading(s: Shown): string {
  const m = s.run.summary
  const c = m.settings
  return `run ${s.run.id} (${s.group}): ${printableName(m.workload.name)}, ${c.nodes} nodes, ${c.granularity} locks, ${c.states === 'shared' ? 'shared+exclusive' : 'exclusive-only'}, ${m.end}, ${m.ops} ops, ${Math.round(m.opsPerSec)} ops/s, verdict ${validityWord(m.checks.valid)}${scopeText(s)}`
}

/**
 * What the shown op histograms count, where that differs from the heading's run-wide ops: one
 * node's ops (`--node K`), and the ops in no histogram (failed ones, and those a `--warmup` left
 * untimed), so the count column adds up to the ops named.
 */
function scopeText(s: Shown): string {
  const m = s.run.summary
  const k = s.group.startsWith('node-') ? Number(s.group.slice('node-'.length)) : null
  const node = k === null ? undefined : m.nodes?.find((n) => n.node === k)
  const counters = (k === null ? m.counters : node?.counters) as {opsFailed?: number; untimedOps?: number} | undefined
  const ops = k === null ? m.ops : node?.ops
  const parts: string[] = k === null || ops === undefined ? [] : [`node ${k}: ${ops} ops`]
  const failed = counters?.opsFailed ?? 0
  const untimed = counters?.untimedOps ?? 0
  if (ops !== undefined && failed + untimed > 0) {
    const left = [...(failed > 0 ? [`${failed} failed`] : []), ...(untimed > 0 ? [`${untimed} started in the ${m.warmupMs ?? '?'}ms warm-up`] : [])]
    parts.push(`op histograms: ${ops - failed - untimed} ops (${left.join(', ')}: in none)`)
  }
  return parts.length === 0 ? '' : `; ${parts.join('; ')}`
}

const NOTE = 'latency in sensible units; corrected = open-loop ops measured from their intended start (coordinated omission); closed-loop runs have one row per key'

export function singleTable(s: Shown): string {
  return `${runHeading(s)}\n${NOTE}\n\n${formatPercentileTable(s.histograms)}`
}

/** One block per histogram key: a row per run, and under every run after the first its ratios to the first. */
export function comparisonTable(shown: readonly Shown[]): string {
  const base = shown[0]
  if (!base) return ''
  const labels = shown.map((s, i) => `${i === 0 ? '[base] ' : `[${i}] `}${s.run.id}${s.group === 'merged' ? '' : ` ${s.group}`}`)
  const rowsOf = shown.map((s) => new Map(percentileRows(s.histograms).map((r) => [r.label, r])))
  const allLabels: string[] = []
  for (const m of rowsOf) for (const l of m.keys()) if (!allLabels.includes(l)) allLabels.push(l)
  const order = percentileRows(mergeKeys(shown)).map((r) => r.label)
  allLabels.sort((a, b) => order.indexOf(a) - order.indexOf(b))

  const nameWidth = Math.max(12, ...labels.map((l) => l.length + 2))
  const table: string[][] = [['histogram / run', ...COLUMNS]]
  for (const label of allLabels) {
    table.push([label, ...COLUMNS.map(() => '')])
    const b = rowsOf[0]!.get(label)
    shown.forEach((_, i) => {
      const r = rowsOf[i]!.get(label)
      table.push([`  ${labels[i]}`, ...COLUMNS.map((c) => (r ? (c === 'count' ? String(r.p.count) : formatLatency(value(r, c))) : '-'))])
      if (i > 0 && r && b) table.push(['    ratio to base', ...COLUMNS.map((c) => ratio(value(r, c), value(b, c)))])
    })
  }
  const widths = table[0]!.map((_, c) => Math.max(c === 0 ? nameWidth : 0, ...table.map((row) => (row[c] ?? '').length)))
  const line = (row: readonly string[]) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd()
  const head = shown.map((s, i) => `${i === 0 ? '[base]' : `[${i}]`} ${runHeading(s)}`)
  return [...head, NOTE, '', line(table[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...table.slice(1).map(line)].join('\n') + '\n'
}

function mergeKeys(shown: readonly Shown[]): EncodedHistograms {
  const out: EncodedHistograms = {corrected: {}, uncorrected: {}}
  for (const s of shown) {
    Object.assign(out.corrected, s.histograms.corrected)
    Object.assign(out.uncorrected, s.histograms.uncorrected)
  }
  return out
}

function ratio(x: number, base: number): string {
  if (base === 0) return x === 0 ? 'x1.00' : '-'
  return `x${(x / base).toFixed(2)}`
}

export function csv(shown: readonly Shown[]): string {
  const lines = ['run,group,histogram,corrected,count,mean_us,min_us,p50_us,p90_us,p99_us,p99_9_us,max_us']
  for (const s of shown) {
    for (const r of percentileRows(s.histograms)) {
      const p = r.p
      lines.push([s.run.id, s.group, r.key, r.corrected, p.count, p.mean.toFixed(1), p.min, p.p50, p.p90, p.p99, p.p999, p.max].join(','))
    }
  }
  return lines.join('\n') + '\n'
}

export function json(shown: readonly Shown[]): string {
  return JSON.stringify(shown.map((s) => ({
    run: s.run.id,
    dir: s.run.dir,
    group: s.group,
    workload: s.run.summary.workload.name,
    settings: s.run.summary.settings,
    verdict: s.run.summary.checks.valid,
    unit: 'us',
    histograms: percentileRows(s.histograms).map((r) => ({
      key: r.key, corrected: r.corrected, count: r.p.count, mean: r.p.mean, min: r.p.min,
      p50: r.p.p50, p90: r.p.p90, p99: r.p.p99, p999: r.p.p999, max: r.p.max, histf: r.histf,
    })),
  })), null, 2) + '\n'
}

/** Standard HdrHistogram percentile distributions (values in µs), one per key, each after a `#` heading line. */
export function hgrm(shown: readonly Shown[]): string {
  const out: string[] = []
  for (const s of shown) {
    for (const r of percentileRows(s.histograms)) {
      out.push(`# run ${s.run.id} ${s.group} ${r.label} (values in microseconds)`)
      out.push(r.histogram.outputPercentileDistribution(5, 1).trimEnd(), '')
    }
  }
  return out.join('\n')
}
