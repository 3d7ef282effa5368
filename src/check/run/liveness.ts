// Liveness: every invoked op completes within the bound (default 10 s, `--liveness`), and the run
// makes progress to its end. A stuck run is reported with what each node was waiting for (its
// busy units: ops parked, the request in flight, a callback it could not serve) and the
// manager's state of those units (holders, queue, pending upgrade), from final.json.
import type {HistoryEntry} from '../../records/history.js'
import type {FinalState} from '../../records/final-state.js'
import type {RunEnd} from '../../records/run.js'
import type {CheckResult} from '../verdict.js'
import {MAX_VIOLATIONS} from './evidence.js'

export type LivenessViolation =
  | {readonly kind: 'slow-op'; readonly process: number; readonly f: string; readonly key: string; readonly invoke: number; readonly tookMs: number}
  | {readonly kind: 'never-completed'; readonly process: number; readonly f: string; readonly key: string; readonly invoke: number; readonly pendingMs: number}
  | {readonly kind: 'stuck'; readonly waits: readonly string[]}

export function checkLiveness(history: readonly HistoryEntry[], run: {readonly end: RunEnd; readonly durationMs: number; readonly livenessMs: number; readonly final: FinalState; readonly faults?: {readonly deadProcesses: readonly number[]}}): CheckResult {
  // A process that died (killed, or fenced after its lease) never completes its last op, and its
  // unobserved ops were made `info`: expected, not a liveness failure (its successor carries on).
  const dead = new Set(run.faults?.deadProcesses ?? [])
  // Ended early on request (`q`), every node finished its op in flight and wrote back (final.json
  // `flushed`): the shortened run is judged like a completed one.
  const finished = run.end === 'completed' || (run.end === 'interrupted' && run.final.flushed)
  const boundNs = run.livenessMs * 1e6
  const endNs = run.durationMs * 1e6
  const violations: LivenessViolation[] = []
  let slow = 0
  let never = 0
  let ops = 0
  let maxMs = 0
  const pending = new Map<number, HistoryEntry>()
  const keep = (v: LivenessViolation) => {
    if (violations.length < MAX_VIOLATIONS) violations.push(v)
  }
  let incomplete = 0
  // An op cut short by the end of the run (`info`, or no completion): a violation only if it had
  // already waited longer than the bound, or if the run claims to have completed.
  const cutShort = (inv: HistoryEntry, endedNs: number) => {
    incomplete++
    if (dead.has(inv.process)) return
    const waited = Math.max(0, endedNs - inv.time)
    if (waited > boundNs || finished) {
      never++
      keep({kind: 'never-completed', process: inv.process, f: inv.f, key: inv.key, invoke: inv.time, pendingMs: waited / 1e6})
    }
  }
  for (const e of history) {
    if (e.type === 'invoke') {
      pending.set(e.process, e)
      continue
    }
    const inv = pending.get(e.process)
    pending.delete(e.process)
    if (inv === undefined) continue
    if (e.type === 'info') {
      cutShort(inv, e.time)
      continue
    }
    ops++
    const took = e.time - inv.time
    maxMs = Math.max(maxMs, took / 1e6)
    if (took > boundNs) {
      slow++
      keep({kind: 'slow-op', process: inv.process, f: inv.f, key: inv.key, invoke: inv.time, tookMs: took / 1e6})
    }
  }
  for (const inv of pending.values()) cutShort(inv, endNs)
  const counts = {ops, incomplete, slow, neverCompleted: never, maxLatencyMs: Math.round(maxMs * 1000) / 1000}
  const bound = `${run.livenessMs / 1000}s`
  if (run.end === 'stuck') {
    const waits = describeWaits(run.final)
    violations.unshift({kind: 'stuck', waits})
    return {valid: false, summary: `stuck: no op completed for ${bound}${waits.length > 0 ? `; ${waits[0]}` : ''}`, counts, violations: violations.slice(0, MAX_VIOLATIONS)}
  }
  if (slow + never > 0) {
    const v = violations[0]!
    const what = v.kind === 'slow-op' ? `took ${v.tookMs.toFixed(0)}ms` : v.kind === 'never-completed' ? `never completed (${v.pendingMs.toFixed(0)}ms)` : ''
    const op = v.kind === 'stuck' ? '' : `node ${v.process} ${v.f} ${v.key}`
    return {valid: false, summary: `${slow + never} page accesses over the ${bound} bound; first: ${op} ${what}`, counts, violations}
  }
  // History entries are page accesses: a copy's pages are timed one by one, so the slowest here can
  // be shorter than the op:copy maximum in the latency table (the whole copy). The summary says so.
  if (finished) return {valid: true, summary: `every page access completed within ${bound} (slowest ${counts.maxLatencyMs}ms, history.jsonl)${run.end === 'completed' ? '' : '; the run was ended early'}`, counts, violations: []}
  return {valid: 'unknown', summary: `run ${run.end} before the end of the workload (no op was over the ${bound} bound)`, counts, violations: []}
}

/** One line per busy unit per node: what it holds, what it asked for, what waits on it, and the manager's view. */
export function describeWaits(final: FinalState): string[] {
  const lines: string[] = []
  for (const w of final.waits) {
    for (const u of w.units) {
      const parts = [`held ${u.mode}${u.mode === 'UN' ? '' : ` seq ${u.seq}`}`]
      if (u.inflight) parts.push(`${u.inflight.request} in flight (${u.inflight.detail})`)
      if (u.callback) parts.push(`${u.callback.kind} callback pending for seq ${u.callback.seq}${u.holders > 0 ? ` (deferred: ${u.holders} ops need the lock)` : ''}`)
      if (u.waiting.length > 0) parts.push(`${u.waiting.length} ops waiting`)
      if (u.inflight === null && u.callback === null && u.waiting.length === 0) continue
      const m = final.manager[u.unit]
      const mgr = m === undefined ? '' : `; manager: holders ${m.holders.map((h) => `${h.node}:${h.mode}${h.callback === 'none' ? '' : `(${h.callback} asked)`}`).join(',') || 'none'}, queue ${m.queue.map((q) => `${q.node}:${q.mode}`).join(',') || 'empty'}${m.upgrading === null ? '' : `, upgrading ${m.upgrading}`}`
      lines.push(`node ${w.node} unit ${u.unit}: ${parts.join(', ')}${mgr}`)
    }
  }
  return lines
}
