// The HTML report's tables for one run: how to reproduce it, its counters and cost lines, its
// nodes, and the heat per lock unit (accesses, lock requests, callbacks, pages written back).
import {esc} from '../html-escape.js'
import {HEAT_UNITS, type HeatRow, type RunExtras} from './run-extras.js'

const FAULT_CLASSES = ['hit', 'cached-lock', 'acquired', 'upgrade', 'after-callback']

export function reproduceSection(x: RunExtras): string {
  const seed = x.seed === null ? 'not recorded' : String(x.seed)
  const command = x.command === null ? '(not recorded by this run)' : `<code class="command">${esc(x.command)}</code>`
  return `<p class="reproduce">seed <b>${seed}</b>; reproduce: ${command}</p>`
}

export function countersSection(x: RunExtras): string {
  if (x.counters.length === 0) return ''
  return `<table class="counters">${x.counters.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>`
}

export function nodesSection(x: RunExtras): string {
  if (x.nodes.length === 0) return ''
  const head = `<tr><th>node</th><th>ops</th><th>incarnations</th>${FAULT_CLASSES.map((f) => `<th>${f}</th>`).join('')}</tr>`
  const rows = x.nodes.map((n) => `<tr><td>${n.node}</td><td>${n.ops}</td><td>${n.incarnations}</td>${FAULT_CLASSES.map((f) => `<td>${n.faults[f] ?? 0}</td>`).join('')}</tr>`).join('')
  const note = x.nodes.some((n) => n.incarnations > 1) ? '<p class="note">A restarted node replays its whole script from the start: its ops are summed over its incarnations.</p>' : ''
  return `<table class="nodes">${head}${rows}</table>${note}`
}

/** One row per unit, hottest first; each cell shaded by its share of the column's largest value. */
export function heatSection(x: RunExtras): string {
  if (x.heat.length === 0) return '<p class="note">No history.jsonl or requests.jsonl: no heat.</p>'
  // From the records (history.jsonl, requests.jsonl), so in their words: requests sent, not faults
  // (a copy's pins and a refused upgrade's retry ask too: mix3 sent 2054 for 1193 such faults),
  // callbacks received (the counters count those answered).
  const cols: [keyof HeatRow, string][] = [['accesses', 'page accesses completed (history ok)'], ['requests', 'lock requests sent (acquire, upgrade)'], ['callbacks', 'callbacks received'], ['writtenBack', 'pages written back']]
  const max = Object.fromEntries(cols.map(([k]) => [k, Math.max(1, ...x.heat.map((r) => r[k] as number))]))
  const cell = (r: HeatRow, k: keyof HeatRow) => {
    const v = r[k] as number
    return `<td class="heat" style="background:rgba(214,39,40,${(0.08 + (0.8 * v) / max[k]!).toFixed(2)})">${v}</td>`
  }
  const rows = x.heat.map((r) => `<tr data-unit="${esc(r.unit)}"><td>${esc(r.unit)}</td>${cols.map(([k]) => cell(r, k)).join('')}</tr>`).join('')
  const more = x.units > HEAT_UNITS ? `<p class="note">${x.units - HEAT_UNITS} cooler units not shown (${x.units} in all).</p>` : ''
  return `<table class="heat-table"><tr><th>unit</th>${cols.map(([, l]) => `<th>${esc(l)}</th>`).join('')}</tr>${rows}</table>${more}`
}
