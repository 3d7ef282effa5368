// `--html FILE`: one self-contained HTML page (inline CSS, data and script; nothing loaded from
// the network) with the latency-by-percentile plot, latency and throughput over time with fault
// windows shaded (pauses, and the kills/restarts/deadlocks the chaos commands log), and verdicts.
// Per run also: the seed and command line that reproduce it, its counters and cost lines, its
// nodes, per-node latency lanes and the heat per lock unit (run-extras.ts, html-sections.ts).
// The data is computed here; the page's script (html-client.ts) only draws it as SVG, and marks
// <body data-charts="N"> when done (or data-error on any script error) so a headless browser
// test can tell that it drew.
import {esc, scriptJson} from '../html-escape.js'
import {REPORT_SCRIPT} from './html-client.js'
import {countersSection, heatSection, nodesSection, reproduceSection} from './html-sections.js'
import type {LanePoint, RunExtras} from './run-extras.js'
import {decodeHistogram, newHistogram} from '../../metrics/histogram.js'
import {validityWord} from '../../check/verdict.js'
import type {TimelineRow} from '../../results/timeline.js'
import {percentileOfX, MAX_NINES} from './plot.js'
import {percentileRows} from './rows.js'
import {runHeading, type Shown} from './text.js'

const CURVE_POINTS = 120

/** A null point is a gap: no data there, and no line is drawn across it. */
type Point = [number, number] | null

interface Series {
  name: string
  points: Point[]
}

interface Window {
  from: number
  to: number
  label: string
  node?: number
}

interface Marker {
  at: number
  label: string
  node?: number
}

interface ChartSpec {
  id: string
  title: string
  x: 'nines' | 'seconds'
  yLog: boolean
  yUnit: 'us' | 'ops/s'
  series: Series[]
  windows: Window[]
  markers: Marker[]
  /** A small chart (per-node lanes) drawn under "Per node". */
  height?: number
  lane?: boolean
  /** The x axis reaches at least this (the run's end). */
  xMax?: number
}

/** Fewer one-second ticks than this (a run under ~5 s): the over-time charts use history.jsonl's finer buckets. */
const FEW_TICKS = 5

/** Pairs of timeline events that open and close a fault window. */
const WINDOW_EVENTS: Record<string, {closes: string; label: string}> = {
  pause: {closes: 'resume', label: 'paused'},
  kill: {closes: 'restart', label: 'killed'},
  partition: {closes: 'heal', label: 'partition'},
  delay: {closes: 'delay-end', label: 'delayed'},
  skew: {closes: 'skew-end', label: 'clock skew'},
  'deadlock': {closes: 'deadlock-resolved', label: 'deadlock'},
}

export function htmlReport(shown: readonly Shown[], extras: readonly RunExtras[]): string {
  const charts: ChartSpec[] = []
  charts.push({
    id: 'percentiles', title: 'Latency by percentile (corrected)', x: 'nines', yLog: true, yUnit: 'us', windows: [], markers: [],
    series: shown.flatMap((s, i) => percentileRows(s.histograms).filter((r) => r.corrected && (shown.length === 1 || r.key.startsWith('op:'))).map((r) => ({
      name: shown.length === 1 ? r.key : `[${i}] ${r.key}`,
      points: Array.from({length: CURVE_POINTS}, (_, k): [number, number] => {
        const x = (k / (CURVE_POINTS - 1)) * MAX_NINES
        return [x, Math.max(1, r.histogram.getValueAtPercentile(percentileOfX(x)))]
      }),
    }))),
  })
  shown.forEach((s, i) => charts.push(latencyChart(s, i, extras[i])))
  charts.push(throughputChart(shown, extras))
  shown.forEach((s, i) => charts.push(...laneCharts(s, i, extras[i])))
  const verdicts = shown.map((s, i) => {
    const checks = Object.entries(s.run.summary.checks.checks)
      .map(([name, c]) => `<tr><td>${esc(name)}</td><td class="${cls(c.valid)}">${validityWord(c.valid)}</td><td>${esc(c.summary)}</td></tr>`).join('')
    const noTimeline = s.run.timeline === null ? '<p class="note">This run has no timeline.jsonl (recorded by an older cmm): no over-time charts from it.</p>' : ''
    return `<section><h3>[${i}] ${esc(runHeading(s))}</h3>${noTimeline}<table><tr><th>check</th><th>verdict</th><th>summary</th></tr>${checks}</table></section>`
  }).join('\n')
  const perRun = shown.map((s, i) => {
    const x = extras[i]
    if (x === undefined) return ''
    const notes = x.notes.map((n) => `<p class="note">${esc(n)}</p>`).join('')
    return `<section class="run" data-run="${esc(s.run.id)}"><h3>[${i}] ${esc(s.run.id)}</h3>${reproduceSection(x)}<h4>Counters and cost</h4>${countersSection(x)}<h4>Nodes</h4>${nodesSection(x)}<h4>Heat per lock unit (hottest first)</h4>${heatSection(x)}${notes}</section>`
  }).join('\n')

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>cmm report: ${esc(shown.map((s) => s.run.id).join(', '))}</title>
<style>
body{font:14px system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}h3{font-size:14px}h4{font-size:13px;margin:12px 0 4px}
.chart svg{background:#fafafa;border:1px solid #ddd}
table{border-collapse:collapse;margin:6px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}
.valid{color:#070}.invalid{color:#b00;font-weight:bold}.unknown{color:#a60}.note{color:#666}
.legend span{display:inline-block;margin-right:14px}.legend i{display:inline-block;width:14px;height:3px;vertical-align:middle;margin-right:4px}
.window-label{font-size:10px;fill:#8a2b22}.marker-label{font-size:10px;fill:#b00}
code.command{background:#f3f3f3;padding:2px 6px}td.heat{text-align:right}
</style></head>
<body>
<h1>cmm report histograms</h1>
<p class="note">Latency is corrected for coordinated omission (open-loop ops measured from their intended start). Shaded bands are fault windows (pauses, kills, partitions, delays, clock skews, deadlocks), labelled at their start; dashed lines are single events, labelled beside them. Gaps in a line are seconds (or buckets) without data.</p>
<div id="charts"></div>
<h2>Per node: latency lanes</h2>
<p class="note">Each node's page accesses (history.jsonl, invoke to completion, uncorrected), p50 and p99 per bucket.</p>
<div id="lanes"></div>
<h2>Runs: reproduce, counters, nodes, heat</h2>
${perRun}
<h2>Verdicts</h2>
${verdicts}
<script type="application/json" id="chart-data">${scriptJson(charts)}</script>
<script>${REPORT_SCRIPT}</script>
</body></html>
`
}

/** All ops' latency over time: the one-second ticks, or for a short run history.jsonl's finer buckets. */
function latencyChart(s: Shown, i: number, x: RunExtras | undefined): ChartSpec {
  const tl = s.run.timeline ?? []
  const base = {id: `latency-${i}`, x: 'seconds' as const, yLog: true, yUnit: 'us' as const, xMax: s.run.summary.durationMs / 1000, ...faultWindows(tl, s.run.summary.durationMs)}
  if (ticksOf(tl) < FEW_TICKS && x !== undefined && x.merged.length > 0) {
    return {...base, title: `Latency over time, all page accesses (history.jsonl, ${x.bucketMs} ms buckets: shorter than the one-second ticks): [${i}] ${s.run.id}`, series: laneSeries(x.merged)}
  }
  return {...base, title: `Latency over time, all ops: [${i}] ${s.run.id}`, series: latencyOverTime(tl)}
}

/** Ops/s per one-second tick; a short run's page accesses/s per history.jsonl bucket instead. */
function throughputChart(shown: readonly Shown[], extras: readonly (RunExtras | undefined)[]): ChartSpec {
  const one = shown.length === 1 ? shown[0]! : null
  const windows = one ? faultWindows(one.run.timeline ?? [], one.run.summary.durationMs) : {windows: [], markers: []}
  const fine: string[] = []
  const series = shown.map((s, i): Series => {
    const x = extras[i]
    const name = `[${i}] ${s.run.id}`
    if (ticksOf(s.run.timeline ?? []) >= FEW_TICKS || x === undefined || x.merged.length === 0) return {name, points: throughput(s.run.timeline ?? [])}
    fine.push(`[${i}] page accesses/s per ${x.bucketMs} ms`)
    return {name: `${name} (accesses/s)`, points: x.merged.map((p): Point => (p === null ? null : [p[0], (p[3] * 1000) / x.bucketMs]))}
  })
  const title = fine.length === 0 ? 'Throughput over time' : `Throughput over time (${fine.join('; ')}: shorter than the one-second ticks)`
  const xMax = Math.max(...shown.map((s) => s.run.summary.durationMs / 1000))
  return {id: 'throughput', title, x: 'seconds', yLog: false, yUnit: 'ops/s', xMax, ...windows, series}
}

/** One small chart per node: its accesses' p50 and p99 per bucket, its own fault windows and markers. */
function laneCharts(s: Shown, i: number, x: RunExtras | undefined): ChartSpec[] {
  if (x === undefined) return []
  const f = faultWindows(s.run.timeline ?? [], s.run.summary.durationMs)
  return x.lanes.map((lane, node) => ({
    id: `lane-${i}-${node}`, title: `[${i}] node ${node} (${x.bucketMs} ms buckets)`, x: 'seconds', yLog: true, yUnit: 'us', height: 150, lane: true,
    xMax: s.run.summary.durationMs / 1000,
    windows: f.windows.filter((w) => w.node === undefined || w.node === node),
    markers: f.markers.filter((m) => m.node === undefined || m.node === node),
    series: laneSeries(lane),
  }))
}

function laneSeries(points: readonly LanePoint[]): Series[] {
  return [
    {name: 'p50', points: points.map((p): Point => (p === null ? null : [p[0], p[1]]))},
    {name: 'p99', points: points.map((p): Point => (p === null ? null : [p[0], p[2]]))},
  ]
}

function ticksOf(tl: readonly TimelineRow[]): number {
  return tl.filter((r) => r.kind === 'tick').length
}

function faultWindows(tl: readonly TimelineRow[], durationMs: number): {windows: Window[]; markers: Marker[]} {
  const windows: Window[] = []
  const markers: Marker[] = []
  const open = new Map<string, Window>()
  for (const r of tl) {
    if (r.kind !== 'event') continue
    const at = r.t / 1000
    const who = r.node === undefined ? '' : ` node ${r.node}`
    const node = r.node === undefined ? {} : {node: r.node}
    const opener = WINDOW_EVENTS[r.event]
    if (opener) {
      open.set(`${r.event}${who}`, {from: at, to: at, label: `${opener.label}${who}`, ...node})
      continue
    }
    const closed = Object.entries(WINDOW_EVENTS).find(([, w]) => w.closes === r.event)
    if (closed) {
      const o = open.get(`${closed[0]}${who}`)
      if (o) {
        windows.push({...o, to: at})
        open.delete(`${closed[0]}${who}`)
      }
      continue
    }
    if (r.event !== 'node-done') markers.push({at, label: `${r.event}${who}${r.detail ? `: ${r.detail}` : ''}`, ...node})
  }
  // Still open at the end: a killed node never restarted, a pause never resumed. Said, not only shaded.
  for (const [key, o] of open) windows.push({...o, to: durationMs / 1000, label: `${o.label} (${key.startsWith('kill') ? 'never restarted' : 'not ended'}: to the end of the run)`})
  return {windows, markers}
}

/** p50, p99 and max of all ops per tick; a tick without ops, or seconds with no tick, are gaps. */
function latencyOverTime(tl: readonly TimelineRow[]): Series[] {
  const p50: Point[] = []
  const p99: Point[] = []
  const max: Point[] = []
  const gap = () => [p50, p99, max].forEach((s) => s.push(null))
  forTicks(tl, gap, (r) => {
    const h = newHistogram()
    for (const [key, s] of Object.entries(r.hist)) if (key.startsWith('op:')) h.add(decodeHistogram(s))
    if (h.totalCount === 0) return gap()
    const t = r.t / 1000
    p50.push([t, h.getValueAtPercentile(50)])
    p99.push([t, h.getValueAtPercentile(99)])
    max.push([t, h.getValueAtPercentile(100)])
  })
  return [{name: 'p50', points: p50}, {name: 'p99', points: p99}, {name: 'max', points: max}]
}

/** Ops/s per tick (0 is a measured stall); seconds with no tick at all are gaps. */
function throughput(tl: readonly TimelineRow[]): Point[] {
  const out: Point[] = []
  let prev = 0
  forTicks(tl, () => out.push(null), (r) => {
    out.push([r.t / 1000, ((r.ops - prev) * 1000) / Math.max(1, r.widthMs)])
    prev = r.ops
  })
  return out
}

/**
 * Each tick in order, `gap` first where seconds passed with no progress reaching the orchestrator:
 * the timeline folds them into one wider tick (or leaves a hole), and a line drawn straight across
 * them would hide the stall.
 */
function forTicks(tl: readonly TimelineRow[], gap: () => void, each: (r: Extract<TimelineRow, {kind: 'tick'}>) => void): void {
  const ticks = tl.filter((r): r is Extract<TimelineRow, {kind: 'tick'}> => r.kind === 'tick')
  // The last tick ends at the run's end, so it may be narrower: the usual width is the others'.
  const usual = Math.min(...(ticks.length > 1 ? ticks.slice(0, -1) : ticks).map((r) => r.widthMs))
  let end: number | null = null
  for (const r of ticks) {
    if (end !== null && (r.t - r.widthMs > end + 1 || r.widthMs > 1.5 * usual)) gap()
    each(r)
    end = r.t
  }
}

function cls(v: true | false | 'unknown'): string {
  return v === true ? 'valid' : v === false ? 'invalid' : 'unknown'
}
