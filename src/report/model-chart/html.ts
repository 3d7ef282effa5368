// `cmm check model ... --html FILE`: the counterexample trace as one self-contained HTML page
// (inline CSS, data and script; nothing from the network), a message sequence chart with the
// nodes' locks and PTEs and the manager's holders after every step, the violation outlined.
import {MODEL_CHART_SCRIPT} from './client.js'
import {esc, scriptJson} from '../html-escape.js'
import type {ModelChart} from '../../records/model-chart.js'

const STYLE = `
body { font: 13px system-ui, sans-serif; margin: 12px; color: #222; }
h1 { font-size: 17px; margin: 0 0 4px; }
.model { color: #555; margin: 2px 0; white-space: pre-wrap; font-family: ui-monospace, monospace; font-size: 12px; }
.verdict.violated { color: #b00020; font-weight: 600; } .verdict.clean { color: #1b7f3b; font-weight: 600; }
code { background: #f3f3f3; padding: 1px 4px; }
.legend span { display: inline-block; margin-right: 12px; }
.column-title { font-weight: 600; font-size: 12px; }
.lifeline { stroke: #bbb; stroke-dasharray: 4 3; }
.arrow { stroke: #1f4e8c; stroke-width: 1.5; } .head { fill: #1f4e8c; }
.local { fill: #6c757d; }
.arrow-label { font-size: 10px; fill: #1f4e8c; }
.step-number { font-size: 10px; fill: #999; }
.said { font-size: 11px; fill: #222; } .said.violated { fill: #b00020; font-weight: 600; }
.state { font-size: 10px; fill: #777; font-family: ui-monospace, monospace; } .state.changed { fill: #222; }
.row-bg { fill: transparent; } .step:hover .row-bg { fill: #f6f8fb; }
.step.skipped .said { fill: #aaa; }
.step.violation .row-bg { fill: #fff0f0; stroke: #d62828; stroke-width: 2; }
`

export function modelChartHtml(c: ModelChart): string {
  const verdict = c.violation === null
    ? '<p class="verdict clean">no violation along this trace</p>'
    : `<p class="verdict violated" data-kind="${esc(c.violation.kind)}">VIOLATION (${esc(c.violation.kind)}) at step ${c.steps.findIndex((s) => s.violation) + 1}: ${esc(c.violation.message)} <button id="goto">show</button></p>`
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>cmm check model: ${esc(c.file)}</title><style>${STYLE}</style></head>
<body>
<h1>cmm check model: ${esc(c.file)}, ${c.steps.length} steps</h1>
<div class="model">${c.model.map(esc).join('\n')}</div>
${verdict}
<p>reproduce: <code>${esc(c.command)}</code>; this trace: <code>--replay "${esc(c.trace)}"</code></p>
<div class="legend"><span>arrow: a message delivered (req: node -&gt; manager; rep, msg, disk: manager -&gt; node)</span><span>dot: a step inside the node (op, timer, kill, pause, partition)</span><span>under each lifeline: the state after the step, where it changed (node: locks and PTEs; manager: holders per unit by process id)</span></div>
<div id="main"><svg id="chart" xmlns="http://www.w3.org/2000/svg"></svg></div>
<script type="application/json" id="chart-data">${scriptJson(c)}</script>
<script>window.addEventListener('error', function (e) { document.body.setAttribute('data-error', String(e.message)); });</script>
<script>${MODEL_CHART_SCRIPT}</script>
</body></html>
`
}
