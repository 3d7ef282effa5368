// `--html FILE`: one self-contained HTML page (inline CSS, data and script; nothing loaded from
// the network) with the latency-by-percentile plot, latency and throughput over time with fault
// windows shaded (pauses, and the kills/restarts/deadlocks the chaos commands log), and verdicts.
// The data is computed here; the page's script only draws it as SVG, and marks
// <body data-charts="N"> when done (or data-error on any script error) so a headless browser
// test can tell that it drew.
import {esc} from '../html-escape.js'
import {decodeHistogram, newHistogram} from '../../metrics/histogram.js'
import {validityWord} from '../../check/verdict.js'
import type {TimelineRow} from '../../results/timeline.js'
import {percentileOfX, MAX_NINES} from './plot.js'
import {percentileRows} from './rows.js'
import {runHeading, type Shown} from './text.js'

const CURVE_POINTS = 120

interface Series {
  name: string
  points: [number, number][]
}

interface Window {
  from: number
  to: number
  label: string
}

interface Marker {
  at: number
  label: string
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
}

/** Pairs of timeline events that open and close a fault window. */
const WINDOW_EVENTS: Record<string, {closes: string; label: string}> = {
  pause: {closes: 'resume', label: 'paused'},
  kill: {closes: 'restart', label: 'killed'},
  partition: {closes: 'heal', label: 'partition'},
  delay: {closes: 'delay-end', label: 'delayed'},
  skew: {closes: 'skew-end', label: 'clock skew'},
  'deadlock': {closes: 'deadlock-resolved', label: 'deadlock'},
}

export function htmlReport(shown: readonly Shown[]): string {
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
  shown.forEach((s, i) => {
    const tl = s.run.timeline ?? []
    const {windows, markers} = faultWindows(tl, s.run.summary.durationMs)
    charts.push({id: `latency-${i}`, title: `Latency over time, all ops: [${i}] ${s.run.id}`, x: 'seconds', yLog: true, yUnit: 'us', windows, markers, series: latencyOverTime(tl)})
  })
  charts.push({
    id: 'throughput', title: 'Throughput over time', x: 'seconds', yLog: false, yUnit: 'ops/s',
    ...(shown.length === 1 ? faultWindows(shown[0]!.run.timeline ?? [], shown[0]!.run.summary.durationMs) : {windows: [], markers: []}),
    series: shown.map((s, i) => ({name: `[${i}] ${s.run.id}`, points: throughput(s.run.timeline ?? [])})),
  })

  const verdicts = shown.map((s, i) => {
    const checks = Object.entries(s.run.summary.checks.checks)
      .map(([name, c]) => `<tr><td>${esc(name)}</td><td class="${cls(c.valid)}">${validityWord(c.valid)}</td><td>${esc(c.summary)}</td></tr>`).join('')
    const noTimeline = s.run.timeline === null ? '<p class="note">This run has no timeline.jsonl (recorded by an older cmm): no over-time charts.</p>' : ''
    return `<section><h3>[${i}] ${esc(runHeading(s))}</h3>${noTimeline}<table><tr><th>check</th><th>verdict</th><th>summary</th></tr>${checks}</table></section>`
  }).join('\n')

  // `<` in the JSON is escaped so that no string in it can close the script element.
  const data = JSON.stringify(charts).replace(/</g, '\\u003c')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>cmm report: ${esc(shown.map((s) => s.run.id).join(', '))}</title>
<style>
body{font:14px system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}h3{font-size:14px}
.chart svg{background:#fafafa;border:1px solid #ddd}
table{border-collapse:collapse;margin:6px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}
.valid{color:#070}.invalid{color:#b00;font-weight:bold}.unknown{color:#a60}.note{color:#666}
.legend span{display:inline-block;margin-right:14px}.legend i{display:inline-block;width:14px;height:3px;vertical-align:middle;margin-right:4px}
</style></head>
<body>
<h1>cmm report histograms</h1>
<p class="note">Latency is corrected for coordinated omission (open-loop ops measured from their intended start). Shaded bands are fault windows (pauses, kills, partitions, delays, clock skews, deadlocks); dashed lines are single events.</p>
<div id="charts"></div>
<h2>Verdicts</h2>
${verdicts}
<script>
"use strict";
window.addEventListener('error', function (e) { document.body.setAttribute('data-error', String(e.message)); });
var CHARTS = ${data};
var COLORS = ['#1f77b4','#d62728','#2ca02c','#ff7f0e','#9467bd','#8c564b','#e377c2','#17becf','#7f7f7f','#bcbd22'];
var NS = 'http://www.w3.org/2000/svg';
function el(name, attrs, parent) { var e = document.createElementNS(NS, name); for (var k in attrs) e.setAttribute(k, attrs[k]); if (parent) parent.appendChild(e); return e; }
function fmtUs(us) { return us < 1000 ? Math.round(us) + ' µs' : us < 1e7 ? (us / 1000).toFixed(us < 1e4 ? 2 : 1) + ' ms' : (us / 1e6).toFixed(2) + ' s'; }
function fmtX(kind, x) { return kind === 'nines' ? (100 - 100 / Math.pow(10, x)).toFixed(Math.max(0, Math.round(x) - 2)) + '%' : x.toFixed(x < 10 ? 1 : 0) + ' s'; }
function draw(spec, root) {
  var W = 1000, H = 320, L = 80, R = 40, T = 20, B = 40;
  var box = document.createElement('div'); box.className = 'chart'; root.appendChild(box);
  var h = document.createElement('h2'); h.textContent = spec.title; box.appendChild(h);
  var pts = [].concat.apply([], spec.series.map(function (s) { return s.points; }));
  var svg = el('svg', {width: W, height: H, viewBox: '0 0 ' + W + ' ' + H}, box);
  if (pts.length === 0) { var t = el('text', {x: W / 2, y: H / 2, 'text-anchor': 'middle'}, svg); t.textContent = 'no data'; return; }
  var xs = pts.map(function (p) { return p[0]; }), ys = pts.map(function (p) { return p[1]; });
  var x0 = spec.x === 'nines' ? 0 : 0, x1 = Math.max.apply(null, xs.concat(spec.windows.map(function (w) { return w.to; })));
  if (x1 <= x0) x1 = x0 + 1;
  var yv = spec.yLog ? ys.map(function (y) { return Math.log10(Math.max(1, y)); }) : ys;
  var y0 = spec.yLog ? Math.floor(Math.min.apply(null, yv)) : 0, y1 = spec.yLog ? Math.ceil(Math.max.apply(null, yv)) : Math.max.apply(null, yv) * 1.1;
  if (y1 <= y0) y1 = y0 + 1;
  function X(x) { return L + (x - x0) / (x1 - x0) * (W - L - R); }
  function Y(y) { var v = spec.yLog ? Math.log10(Math.max(1, y)) : y; return H - B - (v - y0) / (y1 - y0) * (H - T - B); }
  spec.windows.forEach(function (w) { var r = el('rect', {x: X(w.from), y: T, width: Math.max(2, X(w.to) - X(w.from)), height: H - T - B, fill: '#f4c7c3', opacity: 0.6}, svg); el('title', {}, r).textContent = w.label; });
  spec.markers.forEach(function (m) { var l = el('line', {x1: X(m.at), x2: X(m.at), y1: T, y2: H - B, stroke: '#b00', 'stroke-dasharray': '4 3'}, svg); el('title', {}, l).textContent = m.label; });
  el('line', {x1: L, x2: W - R, y1: H - B, y2: H - B, stroke: '#444'}, svg);
  el('line', {x1: L, x2: L, y1: T, y2: H - B, stroke: '#444'}, svg);
  var yticks = spec.yLog ? [] : [0, 0.25, 0.5, 0.75, 1].map(function (f) { return y0 + f * (y1 - y0); });
  if (spec.yLog) for (var e = y0; e <= y1; e++) yticks.push(Math.pow(10, e));
  yticks.forEach(function (v) { var y = Y(v); el('line', {x1: L, x2: W - R, y1: y, y2: y, stroke: '#e4e4e4'}, svg); var t = el('text', {x: L - 6, y: y + 4, 'text-anchor': 'end', 'font-size': 11}, svg); t.textContent = spec.yUnit === 'us' ? fmtUs(v) : Math.round(v).toLocaleString(); });
  var xticks = []; var step = spec.x === 'nines' ? 1 : Math.max(1, Math.pow(10, Math.floor(Math.log10(x1 / 2))) );
  for (var x = x0; x <= x1 + 1e-9; x += step) xticks.push(x);
  xticks.forEach(function (v) { var t = el('text', {x: X(v), y: H - B + 16, 'text-anchor': 'middle', 'font-size': 11}, svg); t.textContent = fmtX(spec.x, v); });
  var legend = document.createElement('div'); legend.className = 'legend'; box.appendChild(legend);
  spec.series.forEach(function (s, i) {
    var c = COLORS[i % COLORS.length];
    if (s.points.length > 0) el('polyline', {points: s.points.map(function (p) { return X(p[0]).toFixed(1) + ',' + Y(p[1]).toFixed(1); }).join(' '), fill: 'none', stroke: c, 'stroke-width': 1.6, 'data-series': s.name}, svg);
    var span = document.createElement('span'); var sw = document.createElement('i'); sw.style.background = c; span.appendChild(sw); span.appendChild(document.createTextNode(s.name)); legend.appendChild(span);
  });
}
var root = document.getElementById('charts');
CHARTS.forEach(function (spec) { draw(spec, root); });
document.body.setAttribute('data-charts', String(document.querySelectorAll('.chart svg').length));
</script>
</body></html>
`
}

function faultWindows(tl: readonly TimelineRow[], durationMs: number): {windows: Window[]; markers: Marker[]} {
  const windows: Window[] = []
  const markers: Marker[] = []
  const open = new Map<string, {from: number; label: string}>()
  for (const r of tl) {
    if (r.kind !== 'event') continue
    const at = r.t / 1000
    const who = r.node === undefined ? '' : ` node ${r.node}`
    const opener = WINDOW_EVENTS[r.event]
    if (opener) {
      open.set(`${r.event}${who}`, {from: at, label: `${opener.label}${who}`})
      continue
    }
    const closed = Object.entries(WINDOW_EVENTS).find(([, w]) => w.closes === r.event)
    if (closed) {
      const o = open.get(`${closed[0]}${who}`)
      if (o) {
        windows.push({from: o.from, to: at, label: o.label})
        open.delete(`${closed[0]}${who}`)
      }
      continue
    }
    if (r.event !== 'node-done') markers.push({at, label: `${r.event}${who}${r.detail ? `: ${r.detail}` : ''}`})
  }
  for (const o of open.values()) windows.push({from: o.from, to: durationMs / 1000, label: o.label})
  return {windows, markers}
}

function latencyOverTime(tl: readonly TimelineRow[]): Series[] {
  const p50: [number, number][] = []
  const p99: [number, number][] = []
  const max: [number, number][] = []
  for (const r of tl) {
    if (r.kind !== 'tick') continue
    const h = newHistogram()
    for (const [key, s] of Object.entries(r.hist)) if (key.startsWith('op:')) h.add(decodeHistogram(s))
    if (h.totalCount === 0) continue
    const t = r.t / 1000
    p50.push([t, h.getValueAtPercentile(50)])
    p99.push([t, h.getValueAtPercentile(99)])
    max.push([t, h.getValueAtPercentile(100)])
  }
  return [{name: 'p50', points: p50}, {name: 'p99', points: p99}, {name: 'max', points: max}]
}

function throughput(tl: readonly TimelineRow[]): [number, number][] {
  const out: [number, number][] = []
  let prev = 0
  for (const r of tl) {
    if (r.kind !== 'tick') continue
    out.push([r.t / 1000, ((r.ops - prev) * 1000) / Math.max(1, r.widthMs)])
    prev = r.ops
  }
  return out
}

function cls(v: true | false | 'unknown'): string {
  return v === true ? 'valid' : v === false ? 'invalid' : 'unknown'
}
