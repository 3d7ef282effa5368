// The model chart page's script (plain browser JavaScript, embedded as text): draws the steps as
// an SVG message sequence chart. One lifeline per column (manager, nodes); each step a row: a
// message delivered is an arrow between lifelines, a step inside a node a dot on its lifeline;
// under each lifeline the state after the step where it changed (locks and PTEs of a node, the
// manager's holders per unit), and at the right what the step did. The violation's row is
// outlined. Marks <body data-drawn="N"> (N steps drawn), or data-error on any script error, so a
// headless browser test can tell that it drew. No backquotes or dollar-braces in here (but the shared helper): it sits
// in a TypeScript template string.
import {SVG_EL} from '../svg-el.js'
export const MODEL_CHART_SCRIPT = String.raw`
(function () {
  var data = JSON.parse(document.getElementById('chart-data').textContent);
  var COL_W = 180, LEFT = 40, TOP = 40, LINE = 11, ARROW_H = 18, TEXT_W = 900;
  var svg = document.getElementById('chart');
  var columns = ['manager'];
  for (var n = 0; n < data.nodes; n++) columns.push('node ' + n);
  function cx(c) { return LEFT + c * COL_W + COL_W / 2; }
  var textX = LEFT + columns.length * COL_W + 10;
${SVG_EL}  function cellLines(step, c) {
    if (c === 0) return step.manager.length === 0 ? ['(no holders)'] : step.manager;
    var s = step.nodes[c - 1];
    var lines = [];
    if (s.status) lines.push(s.status);
    lines.push('locks: ' + (s.locks.length === 0 ? 'none' : s.locks.join(', ')));
    lines.push('PTE: ' + (s.ptes.length === 0 ? 'none' : s.ptes.join(', ')));
    return lines;
  }
  var defs = el('defs', {}, svg);
  var marker = el('marker', {id: 'head', viewBox: '0 0 10 10', refX: '10', refY: '5', markerWidth: '7', markerHeight: '7', orient: 'auto-start-reverse'}, defs);
  el('path', {d: 'M 0 0 L 10 5 L 0 10 z', 'class': 'head'}, marker);
  columns.forEach(function (name, c) {
    el('text', {x: cx(c), y: 20, 'class': 'column-title', 'text-anchor': 'middle'}, svg, name);
  });
  el('text', {x: textX, y: 20, 'class': 'column-title'}, svg, 'what the step did');
  var y = TOP;
  var prev = null;
  var rows = el('g', {'class': 'steps'}, svg);
  data.steps.forEach(function (step) {
    var changed = columns.map(function (_, c) {
      var now = cellLines(step, c).join('\n');
      return prev === null || now !== cellLines(prev, c).join('\n');
    });
    var lines = 0;
    columns.forEach(function (_, c) { if (changed[c]) lines = Math.max(lines, cellLines(step, c).length); });
    var h = ARROW_H + lines * LINE + 6;
    var g = el('g', {'class': 'step' + (step.violation ? ' violation' : '') + (step.ran ? '' : ' skipped'), 'data-index': step.index, 'data-action': step.action}, rows);
    if (step.violation) g.setAttribute('id', 'violation');
    el('rect', {x: 2, y: y - 2, width: textX + TEXT_W, height: h, 'class': 'row-bg'}, g);
    el('text', {x: 6, y: y + 11, 'class': 'step-number'}, g, String(step.index));
    if (step.arrow) {
      el('line', {x1: cx(step.arrow.from), y1: y + 8, x2: cx(step.arrow.to), y2: y + 8, 'class': 'arrow', 'marker-end': 'url(#head)'}, g);
      var mid = (cx(step.arrow.from) + cx(step.arrow.to)) / 2;
      el('text', {x: mid, y: y + 5, 'text-anchor': 'middle', 'class': 'arrow-label'}, g, step.action);
    } else {
      el('circle', {cx: cx(step.column), cy: y + 8, r: 4, 'class': 'local'}, g);
      el('text', {x: cx(step.column) + 7, y: y + 11, 'class': 'arrow-label'}, g, step.action);
    }
    var said = el('text', {x: textX, y: y + 11, 'class': 'said'}, g, step.index + '. ' + step.text);
    if (step.violation) said.setAttribute('class', 'said violated');
    columns.forEach(function (_, c) {
      if (!changed[c]) return;
      cellLines(step, c).forEach(function (line, i) {
        el('text', {x: cx(c) - COL_W / 2 + 8, y: y + ARROW_H + (i + 1) * LINE - 2, 'class': 'state' + (prev === null ? '' : ' changed')}, g, line);
      });
    });
    y += h;
    prev = step;
  });
  var height = y + 20;
  columns.forEach(function (_, c) {
    svg.insertBefore(el('line', {x1: cx(c), y1: 26, x2: cx(c), y2: height - 10, 'class': 'lifeline'}), rows);
  });
  svg.setAttribute('width', textX + TEXT_W + 10);
  svg.setAttribute('height', height);
  var v = document.getElementById('violation');
  if (v && document.getElementById('goto')) document.getElementById('goto').addEventListener('click', function () { v.scrollIntoView({block: 'center'}); });
  document.body.setAttribute('data-drawn', String(data.steps.length));
})();
`
