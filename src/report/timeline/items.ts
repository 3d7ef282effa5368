// The timeline's bars and marks, built from a run's records: lock holds (locks.jsonl), requests
// waiting, callbacks and write-backs (requests.jsonl), PTE mappings (trace.jsonl), ops
// (history.jsonl), and fault windows (events.jsonl).
import {holdSegments, mappings} from '../../check/run/coherence.js'
import type {RequestLogEntry} from '../../records/request-log.js'
import type {TimelineFault, TimelineItem} from './types.js'
import {nodeOfProcess, nsToMs, unitOfKey, type RunRecords} from '../../check/run-records.js'
import type {RunSummary} from '../../results/summary.js'
import type {TimelineRecords} from './records.js'

/** `keep`: only these units (the records of the others are skipped early: a big run stays fast). */
export function buildItems(r: TimelineRecords, keep: (unit: string) => boolean = () => true): TimelineItem[] {
  const nodes = r.summary.settings.nodes
  const end = r.summary.durationMs
  const at = (ns: number) => (Number.isFinite(ns) ? nsToMs(ns) : end)
  const inc = (proc: number) => (proc >= nodes ? ` (incarnation ${Math.floor(proc / nodes)})` : '')
  const items: TimelineItem[] = []
  for (const h of holdSegments(r.locks.filter((l) => keep(l.unit)))) {
    items.push({unit: h.unit, node: nodeOfProcess(h.node, nodes), row: 'lock', start: at(h.start), end: at(h.end), label: `${h.mode} ${h.seq}`, cls: h.mode, title: `node ${h.node}${inc(h.node)} holds ${h.unit} ${h.mode}, seq ${h.seq} (locks.jsonl)`})
  }
  for (const m of mappings(r.trace.filter((t) => keep(t.unit)))) {
    items.push({unit: m.unit, node: nodeOfProcess(m.node, nodes), row: 'pte', start: at(m.start), end: at(m.end), label: `${m.pte} ${m.key}`, cls: m.pte, title: `node ${m.node}${inc(m.node)} maps ${m.key} ${m.pte} under seq ${m.seq} (trace.jsonl)`})
  }
  items.push(...requestItems(r.requests, (i) => r.requestLines?.[i] ?? i + 1, r.locks, nodes, end, keep))
  items.push(...opItems(r, nodes, end, keep))
  return items
}

/** Requests waiting (sent until granted or answered), callbacks (received until answered), write-backs (marks; fenced when refused). */
function requestItems(requests: readonly RequestLogEntry[], lineOf: (index: number) => number, locks: RunRecords<RunSummary>['locks'], nodes: number, end: number, keep: (unit: string) => boolean): TimelineItem[] {
  const items: TimelineItem[] = []
  const waiting = new Map<string, {start: number; what: string; line: number}>()
  const callbacks = new Map<string, {start: number; kind: string; seq: number; line: number}>()
  const writebacks = new Map<string, TimelineItem & {line: number}>()
  const grants = locks.filter((l) => (l.event === 'grant' || l.event === 'upgrade') && keep(l.unit))
  let g = 0
  const close = (key: string, t: number, how: string) => {
    const w = waiting.get(key)
    if (!w) return
    waiting.delete(key)
    const [node, unit] = splitKey(key)
    items.push({unit, node: nodeOfProcess(node, nodes), row: 'wait', start: nsToMs(w.start), end: nsToMs(t), label: w.what, cls: 'waiting', title: `node ${node} ${w.what} ${unit}: ${how} (requests.jsonl:${w.line})`})
  }
  requests.forEach((q, index) => {
    if (!keep(q.unit)) return
    const line = lineOf(index)
    // Grants read from the stream end queued waits.
    for (; g < grants.length && grants[g]!.time <= q.time; g++) close(`${grants[g]!.node}|${grants[g]!.unit}`, grants[g]!.time, `granted ${grants[g]!.mode}`)
    const key = `${q.node}|${q.unit}`
    const node = nodeOfProcess(q.node, nodes)
    if (q.event === 'request' && (q.request === 'acquire' || q.request === 'upgrade')) waiting.set(key, {start: q.time, what: `${q.request} ${q.mode ?? ''}`.trim(), line})
    else if (q.event === 'reply' && (q.request === 'acquire' || q.request === 'upgrade') && q.reply !== 'queued') close(key, q.time, q.reply)
    else if (q.event === 'reply' && q.request === 'cancel') close(key, q.time, 'cancelled')
    else if (q.event === 'callback') callbacks.set(key, {start: q.time, kind: q.kind, seq: q.seq, line})
    else if (q.event === 'answered') {
      const c = callbacks.get(key)
      callbacks.delete(key)
      const start = c ? c.start : q.time
      items.push({unit: q.unit, node, row: 'wait', start: nsToMs(start), end: nsToMs(q.time), label: `${q.kind} cb`, cls: 'callback', title: `node ${q.node} got a ${q.kind} callback${c ? ` (seq ${c.seq}, requests.jsonl:${c.line})` : ''}, answered with ${q.pages} pages written back (requests.jsonl:${line})`})
    } else if (q.event === 'request' && (q.request === 'demote' || q.request === 'writeback') && (q.pages ?? 0) > 0) {
      const wb = {unit: q.unit, node, row: 'wait' as const, start: nsToMs(q.time), end: nsToMs(q.time), label: `wb ${q.pages}`, cls: 'writeback', title: `node ${q.node} writes back ${q.pages} pages of ${q.unit} (${q.request}, requests.jsonl:${line})`, line}
      writebacks.set(key, wb)
      items.push(wb)
    } else if (q.event === 'reply' && q.reply === 'stale' && (q.pages ?? 0) > 0) {
      const wb = writebacks.get(key)
      const at = wb ? wb.start : nsToMs(q.time)
      items.push({unit: q.unit, node, row: 'wait', start: at, end: at, label: `FENCED ${q.pages}`, cls: 'fenced', title: `node ${q.node}'s write-back of ${q.pages} pages of ${q.unit} was refused by fencing (stale generation; requests.jsonl:${line})`})
    }
  })
  for (; g < grants.length; g++) close(`${grants[g]!.node}|${grants[g]!.unit}`, grants[g]!.time, `granted ${grants[g]!.mode}`)
  for (const key of [...waiting.keys()]) close(key, end * 1e6, 'never answered')
  for (const [key, c] of callbacks) {
    const [node, unit] = splitKey(key)
    items.push({unit, node: nodeOfProcess(node, nodes), row: 'wait', start: nsToMs(c.start), end, label: `${c.kind} cb`, cls: 'callback', title: `node ${node} got a ${c.kind} callback (seq ${c.seq}, requests.jsonl:${c.line}) and never answered it`})
  }
  return items
}

function splitKey(key: string): [number, string] {
  const bar = key.indexOf('|')
  return [Number(key.slice(0, bar)), key.slice(bar + 1)]
}

/** Ops from invoke to completion (one op at a time per process), labelled with the value. */
function opItems(r: RunRecords<RunSummary>, nodes: number, end: number, keep: (unit: string) => boolean): TimelineItem[] {
  const items: TimelineItem[] = []
  const open = new Map<number, number>()
  const granularity = r.summary.settings.granularity
  r.history.forEach((e, i) => {
    if (!keep(unitOfKey(e.key, granularity))) return
    if (e.type === 'invoke') {
      open.set(e.process, i)
      return
    }
    const at = open.get(e.process)
    open.delete(e.process)
    if (at === undefined) return
    const inv = r.history[at]!
    const value = e.f === 'write' ? inv.value : e.value
    items.push({
      unit: unitOfKey(inv.key, granularity), node: nodeOfProcess(inv.process, nodes), row: 'op', start: nsToMs(inv.time), end: nsToMs(e.time),
      label: `${e.f === 'write' ? 'w' : 'r'} ${value ?? 'null'}`, cls: e.type,
      title: `process ${inv.process} ${e.f} ${inv.key} ${JSON.stringify(value)}: ${e.type} (history.jsonl:${at + 1}-${i + 1})`,
    })
  })
  for (const at of open.values()) {
    const inv = r.history[at]!
    items.push({unit: unitOfKey(inv.key, granularity), node: nodeOfProcess(inv.process, nodes), row: 'op', start: nsToMs(inv.time), end, label: `${inv.f === 'write' ? 'w' : 'r'} ...`, cls: 'info', title: `process ${inv.process} ${inv.f} ${inv.key}: never completed (history.jsonl:${at + 1})`})
  }
  return items
}

/** Kills until the node's restart, pauses until the resume; the rest are markers. */
export function buildFaults(r: RunRecords<RunSummary>): TimelineFault[] {
  const end = r.summary.durationMs
  const faults: TimelineFault[] = []
  const open = new Map<string, {from: number; label: string; node?: number}>()
  const closers: Record<string, string> = {'node-restarted': 'kill', resume: 'pause'}
  for (const e of r.events) {
    const node = typeof e.node === 'number' ? e.node : undefined
    const key = (kind: string) => `${kind}|${node ?? ''}`
    if (e.type === 'kill' || e.type === 'pause') {
      open.set(key(e.type), {from: e.timeMs, label: `${e.type} node ${node ?? '?'}`, ...(node === undefined ? {} : {node})})
      continue
    }
    const opener = closers[e.type]
    const o = opener === undefined ? undefined : open.get(key(opener))
    if (opener !== undefined && o) {
      open.delete(key(opener))
      faults.push({...o, to: e.timeMs, label: `${o.label} until ${e.type === 'resume' ? 'resumed' : 'restarted'}`})
      continue
    }
    if (['death-detected', 'locks-regranted', 'writeback-refused', 'deadlock', 'stuck', 'lease-lost', 'redis-restart'].includes(e.type)) {
      faults.push({from: e.timeMs, to: e.timeMs, label: `${e.type}${node === undefined ? '' : ` node ${node}`}`, ...(node === undefined ? {} : {node})})
    }
  }
  for (const o of open.values()) faults.push({...o, to: end, label: `${o.label} (not restarted)`})
  return faults.sort((a, b) => a.from - b.from)
}
