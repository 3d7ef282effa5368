// `cmm report timeline`: one self-contained HTML page (inline CSS, data and script; nothing from
// the network). Per lock unit, one lane per node with four rows: lock holds, requests waiting /
// callbacks / write-backs, PTE mappings, ops. Violations are listed on top (cause first) and
// outlined on their unit and nodes in the drawing.
import {esc, scriptJson} from '../html-escape.js'
import {TIMELINE_SCRIPT} from './client.js'
import type {TimelineData} from './types.js'

const STYLE = `
body { font: 13px system-ui, sans-serif; margin: 12px; color: #222; }
h1 { font-size: 17px; margin: 0 0 4px; }
.meta, .chosen { color: #555; margin: 2px 0; }
ol.violations { margin: 6px 0; padding-left: 22px; }
ol.violations li.cause { font-weight: 600; }
ol.violations button { font-size: 11px; margin-left: 6px; }
.controls { margin: 6px 0; } .controls button { margin-right: 4px; }
.legend span { display: inline-block; margin-right: 10px; } .legend i { display: inline-block; width: 14px; height: 9px; margin-right: 3px; vertical-align: middle; }
#timeline { user-select: none; cursor: grab; display: block; }
.axis text { font-size: 10px; fill: #555; } .grid { stroke: #eee; }
.lane-bg { fill: #fafafa; stroke: #e3e3e3; } .lane.violated .lane-bg { fill: #fff0f0; stroke: #e06060; }
.unit-title { font-weight: 600; font-size: 12px; } .lane-label { font-size: 11px; } .row-label { font-size: 9px; fill: #999; }
.item text { font-size: 9px; fill: #fff; pointer-events: none; }
.item.lock.SH rect { fill: #4a90d9; } .item.lock.EX rect { fill: #1f4e8c; }
.item.waiting rect { fill: #f0b429; } .item.waiting text { fill: #222; }
.item.callback rect { fill: #9b59b6; }
.item.writeback path { fill: #27ae60; } .item.fenced path { fill: #c0392b; stroke: #000; }
.item.pte.RO rect { fill: #7fc97f; } .item.pte.RW rect { fill: #2e8b57; }
.item.op rect { fill: #999; } .item.op.ok rect { fill: #6c757d; } .item.op.fail rect { fill: #e67e22; } .item.op.info rect { fill: #bbb; }
.item.op.prefix rect { fill: #2a9d8f; } .item.op.blocked rect { fill: #d62828; }
.fault.window rect { fill: #ffcc0033; stroke: #d4a000; } .fault.marker line { stroke: #d4a000; stroke-dasharray: 3 2; }
.fault-label { font-size: 10px; fill: #8a6d00; }
.violation rect { fill: none; stroke: #d62828; stroke-width: 2; } .violation.cause rect { stroke-width: 3; }
.violation-leader { stroke: #d62828; stroke-dasharray: 2 2; }
.violation-label { font-size: 11px; font-weight: 600; fill: #d62828; }
`

export function timelineHtml(d: TimelineData): string {
  const r = d.run
  const title = `timeline of run ${r.id}`
  const violations = d.violations.map((v, i) => `<li class="${v.cause ? 'cause' : 'symptom'}" data-kind="${esc(v.kind)}" data-unit="${esc(v.unit)}" data-nodes="${v.nodes.join(',')}"><b>${esc(v.kind)}</b>${v.cause ? ' (cause)' : ''} [${esc(v.check)}] unit ${esc(v.unit)}, node${v.nodes.length === 1 ? '' : 's'} ${v.nodes.join(', ')}, ${v.from.toFixed(3)}..${v.to.toFixed(3)} ms: ${esc(v.text)} <small>(${v.records.map(esc).join(', ')})</small><button data-focus="${i}">show</button></li>`).join('\n')
  const legend = [['#4a90d9', 'SH hold'], ['#1f4e8c', 'EX hold'], ['#f0b429', 'request waiting'], ['#9b59b6', 'callback (received..answered)'], ['#27ae60', 'write-back'], ['#c0392b', 'fenced write-back'], ['#7fc97f', 'RO mapping'], ['#2e8b57', 'RW mapping'], ['#6c757d', 'op'], ['#2a9d8f', 'linearizable prefix'], ['#d62828', 'op that cannot be placed'], ['#ffcc00', 'fault']]
    .map(([c, l]) => `<span><i style="background:${c}"></i>${l}</span>`).join('')
  const json = scriptJson(d)
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${esc(title)}</title><style>${STYLE}</style></head>
<body>
<h1>cmm ${esc(title)}: ${esc(r.workload)}</h1>
<div class="meta">${r.nodes} nodes, ${esc(r.granularity)} locks, seed ${r.seed}${r.break ? `, <b>--break ${esc(r.break)}</b>` : ''}, ${(r.durationMs / 1000).toFixed(2)} s; verdict <b>${esc(r.verdict)}</b></div>
<div class="chosen">showing ${esc(d.chosen)}; other units: ${d.allUnits.filter((u) => !d.units.includes(u.unit)).slice(0, 12).map((u) => esc(u.unit)).join(', ') || 'none'} (cmm report timeline RUN --unit U --from MS --to MS)</div>
${d.violations.length > 0 ? `<ol class="violations">${violations}</ol>` : '<p class="no-violations">no violation: every check passed</p>'}
<div class="controls"><button id="fit">fit</button><button id="zoom-in">zoom in</button><button id="zoom-out">zoom out</button> window <span id="window"></span> (wheel: zoom, drag: pan)</div>
<div class="legend">${legend}</div>
<div id="main"><svg id="timeline" xmlns="http://www.w3.org/2000/svg"></svg></div>
<script type="application/json" id="timeline-data">${json}</script>
<script>window.addEventListener('error', function (e) { document.body.setAttribute('data-error', String(e.message)); });</script>
<script>${TIMELINE_SCRIPT}</script>
</body></html>
`
}
