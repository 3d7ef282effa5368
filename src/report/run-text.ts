// Plain-text rendering of a run: progress lines while it runs, the summary at the end.
import type {RunEvent} from '../records/run.js'
import type {RunSummary} from '../results/summary.js'
import {validityWord, type ChecksReport} from '../check/verdict.js'
import {formatPercentileTable} from '../metrics/table.js'
import type {EncodedHistograms} from '../records/histogram-keys.js'
import {resourcesLine, SATURATION_NOTE} from '../records/resources.js'

export function eventLine(e: RunEvent): string | null {
  switch (e.type) {
    case 'redis':
      return e.private ? `redis: private redis-server at ${e.url}` : `redis: ${e.url}`
    case 'waiting-for-nodes':
      return `waiting for ${e.nodes} nodes to join: cmm node --redis ${e.redisUrl} --run ${e.runId} --id K  (K = 0..${e.nodes - 1})`
    case 'started':
      return `run ${e.runId}: ${e.nodes.length} nodes started (${e.nodes.map((n) => `${n.node}:pid ${n.pid}`).join(', ')})`
    case 'progress': {
      const pct = e.total ? ` (${((100 * e.done) / e.total).toFixed(0)}%)` : ''
      const cpu = e.cpuBusy === undefined || e.cpuBusy === null ? '' : `  cpu ${Math.round(e.cpuBusy * 100)}%${e.saturated ? ' (saturated)' : ''}`
      return `  ${(e.elapsedMs / 1000).toFixed(1)}s  ops ${e.done}${e.total ? `/${e.total}` : ''}${pct}${cpu}`
    }
    case 'paused':
      return `  ${(e.elapsedMs / 1000).toFixed(1)}s  ${e.paused ? 'paused: no new ops until resumed' : 'resumed'}`
    case 'node-done':
      return `  ${(e.elapsedMs / 1000).toFixed(1)}s  node ${e.node} done (${e.ops} ops)`
    case 'check':
      return null // the summary lists every verdict
    case 'node-error':
      return `node ${e.node} error: ${e.message}`
    case 'stuck': {
      const head = `no progress for ${(e.idleMs / 1000).toFixed(1)}s: the run is stuck, stopping it`
      const waits = (e.nodes ?? []).map((s) => `  node ${s.node}: ${s.op ?? 'no op'}${s.waits.length > 0 ? `; ${s.waits.join('; ')}` : ''}`)
      return [head, ...waits].join('\n')
    }
    case 'fault': {
      const {timeMs, type, node} = e.line
      return `  ${(timeMs / 1000).toFixed(1)}s  ${type}${typeof node === 'number' ? ` node ${node}` : ''} (events.jsonl)`
    }
    case 'deadlock':
      return `deadlock #${e.id}: ${e.text}${e.policy === 'report' ? ` (breaking it: node ${e.victim} gives up its wait)` : e.policy === 'abort' ? ' (aborting the run)' : ''}`
  }
}

export function summaryText(s: RunSummary, dir: string, merged: EncodedHistograms | null): string {
  const lines: string[] = []
  const c = s.settings
  lines.push(`workload ${s.workload.name}: ${c.nodes} nodes, ${c.granularity} locks, ${c.states === 'shared' ? 'shared+exclusive' : 'exclusive-only'}, downgrade ${c.downgrade}, seed ${s.seed}`)
  if (s.break) lines.push(`BROKEN protocol variant: --break ${s.break} (the checks must find it)`)
  lines.push(`ended: ${s.end} after ${(s.durationMs / 1000).toFixed(2)}s; ${s.ops} ops, ${Math.round(s.opsPerSec)} ops/s`)
  if (s.faults) {
    const f = s.faults
    const rec = f.recoveryMs.count > 0 ? `; recovery (fault -> locks regranted) p50 ${f.recoveryMs.p50} ms, p99 ${f.recoveryMs.p99} ms` : ''
    lines.push(`node loss: ${f.kills} kills, ${f.pauses} pauses, ${f.deaths} deaths detected, ${f.leaseLosses} lease losses, ${f.restarts} restarts, ${f.fencedWritebacks} write-backs refused by fencing${rec} (events.jsonl)`)
  }
  const f = s.counters.faults
  lines.push(`faults: hit ${f.hit}, cached-lock ${f['cached-lock']}, acquired ${f.acquired}, upgrade ${f.upgrade}, after-callback ${f['after-callback']}`)
  lines.push(`cost: ${s.cost.roundTripsPerFault} Redis round trips per fault, ${s.cost.roundTripsPerOp} per op, ${s.cost.callbacksPerOp} callbacks per op, ${s.counters.upgradesRefused} upgrades refused`)
  if (s.resources) {
    lines.push(resourcesLine(s.resources))
    if (s.resources.saturated) lines.push(`CPU saturated: ${SATURATION_NOTE}`)
  }
  if (merged) lines.push('', 'latency (corrected, merged across nodes):', formatPercentileTable(merged))
  const d = s.deadlocks
  lines.push(`copies: strategy ${s.copies.strategy}, ${s.copies.retries} retries, ${s.copies.fallbacks} fell back to ordered; deadlocks: ${d.count} (policy ${d.policy}, ${d.broken} broken), ${s.copies.opsFailed} ops failed`)
  for (const c of d.cycles.slice(0, 3)) lines.push(`  deadlock #${c.id}: ${c.text}`)
  if (d.count > 3) lines.push(`  ... ${d.count - 3} more in events.jsonl`)
  for (const e of s.errors) lines.push(`error on node ${e.node}: ${e.message}`)
  lines.push('', 'checks:')
  lines.push(checksText(s.checks))
  lines.push(`verdict: ${validityWord(s.checks.valid)} (${verdictWhy(s.checks)})   results: ${dir}`)
  return lines.join('\n')
}

/** One line per checker: name, verdict, what it found. */
export function checksText(checks: ChecksReport): string {
  return Object.entries(checks.checks).map(([name, check]) => `  ${name.padEnd(15)} ${validityWord(check.valid).padEnd(8)} ${check.summary}`).join('\n')
}

/** Which checks made the verdict: the invalid ones, else the unknown ones. */
export function verdictWhy(checks: ChecksReport): string {
  const names = (v: true | false | 'unknown') => Object.entries(checks.checks).filter(([, c]) => c.valid === v).map(([n]) => n)
  if (checks.valid === false) return `violated: ${names(false).join(', ')}`
  if (checks.valid === 'unknown') return `undecided: ${names('unknown').join(', ')}`
  return `all ${Object.keys(checks.checks).length} checks passed`
}
