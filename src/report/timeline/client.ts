// The timeline page's script (plain browser JavaScript, embedded as text): draws the data as SVG,
// only what is inside the visible window (so zoom and pan stay fast on big runs). Wheel zooms
// around the pointer, drag pans, the buttons fit the window or jump to a violation. Marks
// <body data-drawn="N"> when done (N bars drawn) or data-error on any script error, so a
// headless browser test can tell that it drew. No backquotes or dollar-braces in here (but the shared helper): it sits
// in a TypeScript template string.
import {SVG_EL} from '../svg-el.js'
export const TIMELINE_SCRIPT = String.raw`
(function () {
  var data = JSON.parse(document.getElementById('timeline-data').textContent);
  var ROWS = ['lock', 'wait', 'pte', 'op'];
  var ROW_H = 13, LANE_GAP = 4, UNIT_GAP = 18, LEFT = 150, TOP = 34, RIGHT = 12;
  var svg = document.getElementById('timeline');
  var width = Math.max(700, (document.getElementById('main').clientWidth || 1200) - 4);
  var view = {from: data.window.from, to: data.window.to};
  var nodes = [];
  for (var n = 0; n < data.run.nodes; n++) nodes.push(n);
  var laneY = {};
  var y = TOP;
  // Each unit's violations get a line each for their labels, above its lanes (at most 8 lines).
  var labelLine = {};
  var perUnit = {};
  data.violations.forEach(function (v, i) { perUnit[v.unit] = (perUnit[v.unit] || 0) + 1; labelLine[i] = Math.min(7, perUnit[v.unit] - 1); });
  data.units.forEach(function (u) {
    laneY[u] = {title: y, band: y + 14};
    y += 14 + 12 * Math.min(8, perUnit[u] || 0);
    nodes.forEach(function (n) { laneY[u][n] = y; y += ROWS.length * ROW_H + LANE_GAP; });
    y += UNIT_GAP;
  });
  var height = y;
  svg.setAttribute('width', width);
  svg.setAttribute('height', height);
${SVG_EL}  function x(t) { return LEFT + (t - view.from) / (view.to - view.from) * (width - LEFT - RIGHT); }
  function tOf(px) { return view.from + (px - LEFT) / (width - LEFT - RIGHT) * (view.to - view.from); }
  function fmt(ms) { return Math.abs(view.to - view.from) < 20 ? ms.toFixed(3) + ' ms' : Math.abs(view.to - view.from) < 5000 ? ms.toFixed(1) + ' ms' : (ms / 1000).toFixed(2) + ' s'; }
  function clipX(t) { return Math.max(LEFT, Math.min(width - RIGHT, x(t))); }
  function draw() {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var axis = el('g', {'class': 'axis'}, svg);
    for (var i = 0; i <= 8; i++) {
      var t = view.from + (view.to - view.from) * i / 8;
      el('line', {x1: x(t), x2: x(t), y1: TOP - 6, y2: height, 'class': 'grid'}, axis);
      el('text', {x: x(t), y: TOP - 10, 'text-anchor': i === 0 ? 'start' : i === 8 ? 'end' : 'middle'}, axis, fmt(t));
    }
    var lanes = el('g', {'class': 'lanes'}, svg);
    data.units.forEach(function (u) {
      el('text', {x: 4, y: laneY[u].title + 10, 'class': 'unit-title'}, lanes, 'unit ' + u);
      nodes.forEach(function (n) {
        var g = el('g', {'class': 'lane', 'data-unit': u, 'data-node': n}, lanes);
        el('rect', {x: LEFT, y: laneY[u][n], width: width - LEFT - RIGHT, height: ROWS.length * ROW_H, 'class': 'lane-bg'}, g);
        el('text', {x: 8, y: laneY[u][n] + 2 * ROW_H, 'class': 'lane-label'}, g, 'node ' + n);
        ROWS.forEach(function (r, k) { el('text', {x: LEFT - 4, y: laneY[u][n] + k * ROW_H + 10, 'text-anchor': 'end', 'class': 'row-label'}, g, r); });
      });
    });
    var faults = el('g', {'class': 'faults'}, svg);
    data.faults.forEach(function (f) {
      if (f.to < view.from || f.from > view.to) return;
      var x1 = clipX(f.from), x2 = clipX(f.to);
      var g = el('g', {'class': f.to > f.from ? 'fault window' : 'fault marker'}, faults);
      if (f.to > f.from) el('rect', {x: x1, y: TOP - 4, width: Math.max(1, x2 - x1), height: height - TOP}, g);
      else el('line', {x1: x1, x2: x1, y1: TOP - 4, y2: height}, g);
      el('text', {x: x1 + 2, y: height - 4, 'class': 'fault-label'}, g, f.label);
      el('title', {}, g, f.label + ' (' + f.from.toFixed(1) + '..' + f.to.toFixed(1) + ' ms, events.jsonl)');
    });
    var bars = el('g', {'class': 'items'}, svg);
    var drawn = 0;
    data.items.forEach(function (it) {
      if (it.end < view.from || it.start > view.to || laneY[it.unit] === undefined) return;
      var ly = laneY[it.unit][it.node] + ROWS.indexOf(it.row) * ROW_H;
      var x1 = clipX(it.start), x2 = clipX(it.end);
      var g = el('g', {'class': 'item ' + it.row + ' ' + it.cls}, bars);
      if (it.end > it.start) {
        el('rect', {x: x1, y: ly + 1, width: Math.max(1, x2 - x1), height: ROW_H - 2, rx: 2}, g);
        if (x2 - x1 > it.label.length * 6 + 4) el('text', {x: x1 + 2, y: ly + 10}, g, it.label);
      } else {
        el('path', {d: 'M' + x1 + ' ' + (ly + 1) + 'l4 5l-4 6l-4 -6z'}, g);
      }
      el('title', {}, g, it.title + ' [' + it.start.toFixed(3) + '..' + it.end.toFixed(3) + ' ms]');
      drawn++;
    });
    var vio = el('g', {'class': 'violations'}, svg);
    data.violations.forEach(function (v, i) {
      if (laneY[v.unit] === undefined) return;
      v.nodes.forEach(function (n) {
        var lane = svg.querySelector('.lane[data-unit="' + v.unit + '"][data-node="' + n + '"]');
        if (lane) lane.setAttribute('class', 'lane violated');
      });
      if (v.to < view.from || v.from > view.to) return;
      var x1 = clipX(v.from), x2 = Math.max(clipX(v.to), x1 + 3);
      var ys = v.nodes.map(function (n) { return laneY[v.unit][n]; }).filter(function (q) { return q !== undefined; });
      if (ys.length === 0) return;
      var top = Math.min.apply(null, ys), bottom = Math.max.apply(null, ys) + ROWS.length * ROW_H;
      var g = el('g', {'class': 'violation' + (v.cause ? ' cause' : ''), 'data-kind': v.kind, 'data-unit': v.unit, 'data-nodes': v.nodes.join(','), 'data-index': i}, vio);
      el('rect', {x: x1 - 1, y: top - 2, width: x2 - x1 + 2, height: bottom - top + 4}, g);
      var ly = laneY[v.unit].band + 12 * labelLine[i] + 9;
      el('line', {x1: x1, x2: x1, y1: ly + 2, y2: top - 2, 'class': 'violation-leader'}, g);
      el('text', {x: x1 + 3, y: ly, 'class': 'violation-label'}, g, (i + 1) + '. ' + v.kind + (v.cause ? ' (cause)' : '') + ', node' + (v.nodes.length === 1 ? ' ' : 's ') + v.nodes.join(','));
      el('title', {}, g, v.text + ' [' + v.records.join(', ') + ']');
    });
    document.getElementById('window').textContent = fmt(view.from) + ' .. ' + fmt(view.to);
    document.body.setAttribute('data-drawn', String(drawn));
  }
  function zoom(factor, at) {
    var span = (view.to - view.from) * factor;
    var full = data.window.to - data.window.from;
    span = Math.max(0.001, Math.min(full, span));
    var ratio = (at - view.from) / (view.to - view.from);
    view.from = Math.max(data.window.from, at - ratio * span);
    view.to = Math.min(data.window.to, view.from + span);
    view.from = Math.max(data.window.from, view.to - span);
    draw();
  }
  svg.addEventListener('wheel', function (e) {
    e.preventDefault();
    var box = svg.getBoundingClientRect();
    zoom(e.deltaY > 0 ? 1.25 : 0.8, tOf(e.clientX - box.left));
  }, {passive: false});
  var drag = null;
  svg.addEventListener('mousedown', function (e) { drag = {x: e.clientX, from: view.from, to: view.to}; });
  window.addEventListener('mouseup', function () { drag = null; });
  window.addEventListener('mousemove', function (e) {
    if (!drag) return;
    var dt = (e.clientX - drag.x) / (width - LEFT - RIGHT) * (drag.to - drag.from);
    var span = drag.to - drag.from;
    view.from = Math.max(data.window.from, Math.min(data.window.to - span, drag.from - dt));
    view.to = view.from + span;
    draw();
  });
  function focus(v) {
    var pad = Math.max(2, (v.to - v.from) * 1.5);
    view.from = Math.max(data.window.from, v.from - pad);
    view.to = Math.min(data.window.to, Math.max(v.to, v.from) + pad);
    draw();
  }
  document.getElementById('fit').addEventListener('click', function () { view.from = data.window.from; view.to = data.window.to; draw(); });
  document.getElementById('zoom-in').addEventListener('click', function () { zoom(0.5, (view.from + view.to) / 2); });
  document.getElementById('zoom-out').addEventListener('click', function () { zoom(2, (view.from + view.to) / 2); });
  Array.prototype.forEach.call(document.querySelectorAll('[data-focus]'), function (b) {
    b.addEventListener('click', function () { focus(data.violations[Number(b.getAttribute('data-focus'))]); });
  });
  draw();
})();
`
