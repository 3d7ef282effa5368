// The HTML report's script (plain browser JavaScript, embedded as text): draws each chart spec as
// SVG. A series' null point is a gap (no data in that bucket): lines are never drawn across it,
// and a point with no neighbour is drawn as a dot. Fault windows and single events carry visible
// labels (not only tooltips). Marks <body data-charts="N"> when done, or data-error on any script
// error. No backquotes or dollar-braces in here (but the shared helper): it sits in a TypeScript template string.
import {SVG_EL} from '../svg-el.js'
export const REPORT_SCRIPT = String.raw`
"use strict";
window.addEventListener('error', function (e) { document.body.setAttribute('data-error', String(e.message)); });
var CHARTS = JSON.parse(document.getElementById('chart-data').textContent);
var COLORS = ['#1f77b4','#d62728','#2ca02c','#ff7f0e','#9467bd','#8c564b','#e377c2','#17becf','#7f7f7f','#bcbd22'];
${SVG_EL}function fmtUs(us) { return us < 1000 ? Math.round(us) + ' µs' : us < 1e7 ? (us / 1000).toFixed(us < 1e4 ? 2 : 1) + ' ms' : (us / 1e6).toFixed(2) + ' s'; }
function fmtX(kind, x) { return kind === 'nines' ? (100 - 100 / Math.pow(10, x)).toFixed(Math.max(0, Math.round(x) - 2)) + '%' : x.toFixed(x < 10 ? 2 : 0) + ' s'; }
function segments(points) {
  var out = [], cur = [];
  points.forEach(function (p) { if (p === null) { if (cur.length) out.push(cur); cur = []; } else cur.push(p); });
  if (cur.length) out.push(cur);
  return out;
}
function niceStep(span) {
  var raw = span / 8, p = Math.pow(10, Math.floor(Math.log10(raw)));
  return [1, 2, 5, 10].map(function (m) { return m * p; }).filter(function (s) { return s >= raw; })[0];
}
function draw(spec, root) {
  var W = 1000, H = spec.height || 320, L = 80, R = 40, T = spec.markers.length > 0 ? 58 : spec.windows.length > 0 ? 34 : 20, B = 40;
  var box = document.createElement('div'); box.className = 'chart'; box.id = spec.id; root.appendChild(box);
  var h = document.createElement(spec.height ? 'h3' : 'h2'); h.textContent = spec.title; box.appendChild(h);
  var pts = [].concat.apply([], spec.series.map(function (s) { return s.points.filter(function (p) { return p !== null; }); }));
  var svg = el('svg', {width: W, height: H, viewBox: '0 0 ' + W + ' ' + H}, box);
  if (pts.length === 0) { el('text', {x: W / 2, y: H / 2, 'text-anchor': 'middle'}, svg, 'no data'); return; }
  var xs = pts.map(function (p) { return p[0]; }), ys = pts.map(function (p) { return p[1]; });
  var x0 = 0, x1 = Math.max.apply(null, xs.concat(spec.windows.map(function (w) { return w.to; }), spec.markers.map(function (m) { return m.at; }), [spec.xMax || 0]));
  if (x1 <= x0) x1 = x0 + 1;
  var yv = spec.yLog ? ys.map(function (y) { return Math.log10(Math.max(1, y)); }) : ys;
  var y0 = spec.yLog ? Math.floor(Math.min.apply(null, yv)) : 0, y1 = spec.yLog ? Math.ceil(Math.max.apply(null, yv)) : Math.max.apply(null, yv) * 1.1;
  if (y1 <= y0) y1 = y0 + 1;
  function X(x) { return L + (x - x0) / (x1 - x0) * (W - L - R); }
  function Y(y) { var v = spec.yLog ? Math.log10(Math.max(1, y)) : y; return H - B - (v - y0) / (y1 - y0) * (H - T - B); }
  spec.windows.forEach(function (w, i) {
    var g = el('g', {'class': 'fault window'}, svg);
    el('title', {}, el('rect', {x: X(w.from), y: T, width: Math.max(2, X(w.to) - X(w.from)), height: H - T - B, fill: '#f4c7c3', opacity: 0.6}, g), w.label);
    el('text', {x: X(w.from) + 3, y: 12 + (i % 2) * 11, 'class': 'window-label'}, g, w.label);
  });
  spec.markers.forEach(function (m, i) {
    var g = el('g', {'class': 'fault marker'}, svg);
    el('title', {}, el('line', {x1: X(m.at), x2: X(m.at), y1: T, y2: H - B, stroke: '#b00', 'stroke-dasharray': '4 3'}, g), m.label);
    el('text', {x: X(m.at) + 3, y: 36 + (i % 2) * 11, 'class': 'marker-label'}, g, m.label);
  });
  el('line', {x1: L, x2: W - R, y1: H - B, y2: H - B, stroke: '#444'}, svg);
  el('line', {x1: L, x2: L, y1: T, y2: H - B, stroke: '#444'}, svg);
  var yticks = spec.yLog ? [] : [0, 0.25, 0.5, 0.75, 1].map(function (f) { return y0 + f * (y1 - y0); });
  if (spec.yLog) for (var e = y0; e <= y1; e++) yticks.push(Math.pow(10, e));
  yticks.forEach(function (v) { var y = Y(v); el('line', {x1: L, x2: W - R, y1: y, y2: y, stroke: '#e4e4e4'}, svg); el('text', {x: L - 6, y: y + 4, 'text-anchor': 'end', 'font-size': 11}, svg, spec.yUnit === 'us' ? fmtUs(v) : Math.round(v).toLocaleString()); });
  var step = spec.x === 'nines' ? 1 : niceStep(x1 - x0);
  for (var x = x0; x <= x1 + 1e-9; x += step) el('text', {x: X(x), y: H - B + 16, 'text-anchor': 'middle', 'font-size': 11}, svg, fmtX(spec.x, x));
  var legend = document.createElement('div'); legend.className = 'legend'; box.appendChild(legend);
  spec.series.forEach(function (s, i) {
    var c = COLORS[i % COLORS.length];
    segments(s.points).forEach(function (seg) {
      if (seg.length === 1) el('circle', {cx: X(seg[0][0]), cy: Y(seg[0][1]), r: 2.5, fill: c, 'data-series': s.name}, svg);
      else el('polyline', {points: seg.map(function (p) { return X(p[0]).toFixed(1) + ',' + Y(p[1]).toFixed(1); }).join(' '), fill: 'none', stroke: c, 'stroke-width': 1.6, 'data-series': s.name}, svg);
    });
    var span = document.createElement('span'); var sw = document.createElement('i'); sw.style.background = c; span.appendChild(sw); span.appendChild(document.createTextNode(s.name)); legend.appendChild(span);
  });
}
var root = document.getElementById('charts');
CHARTS.forEach(function (spec) { draw(spec, spec.lane ? document.getElementById('lanes') : root); });
document.body.setAttribute('data-charts', String(document.querySelectorAll('.chart svg').length));
`
