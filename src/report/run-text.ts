// Plain-text rendering of a run: progress lines while it runs, the summary at the end.
import type {RunEvent} from '../records/run.js'
import type {RunSummary} from '../results/summary.js'
import type {RedisFaultAccount} from '../records/redis-faults.js'
import {lossText} from '../records/redis-faults.js'
import {validityWord, type ChecksReport} from '../check/verdict.js'
import {explainLines} from './explain.js'
import {formatLatency, formatPercentileTable} from '../metrics/table.js'
import type {EncodedHistograms} from '../records/histogram-keys.js'
import {resourcesLine, SATURATION_NOTE} from '../records/resources.js'
import {nodeJoinCommand} from '../util/redis-url.js'
import {printable, printableName} from '../util/printable.js'

export function eventLine(e: RunEvent): string | null {
  switch (e.type) {
    case 'redis':
      if (!e.private) return `redis: ${e.url}`
      return e.url.startsWith('redis-sentinel://') ? `redis: private primary, replica and 3 Sentinels at ${e.url}` : `redis: private redis-server at ${e.url}`
    case 'waiting-for-nodes':
      return `waiting for ${e.nodes} nodes to join: ${nodeJoinCommand(e.redisUrl, e.runId, e.networkFaults)}  (K = 0..${e.nodes - 1})`
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
      return e.node < 0 ? `error: ${printable(e.message)}` : `node ${e.node} error: ${printable(e.message)}`
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
  lines.push(`workload ${printableName(s.workload.name)}: ${c.nodes} nodes, ${c.granularity} locks, ${c.states === 'shared' ? 'shared+exclusive' : 'exclusive-only'}, downgrade ${c.downgrade}, seed ${s.seed}`)
  if (s.break) lines.push(`BROKEN protocol variant: --break ${s.break} (the checks must find it); ${firedText(s)}`)
  lines.push(`ended: ${s.end} after ${(s.durationMs / 1000).toFixed(2)}s; ${s.ops} ops, ${Math.round(s.opsPerSec)} ops/s`)
  if (s.faults) {
    const f = s.faults
    const rec = f.recoveryMs.count > 0 ? `; recovery (fault -> locks regranted) p50 ${f.recoveryMs.p50} ms, p99 ${f.recoveryMs.p99} ms` : ''
    lines.push(`node loss: ${f.kills} kills, ${f.pauses} pauses, ${f.deaths} deaths detected, ${f.leaseLosses} lease losses, ${f.restarts} restarts, ${f.fencedWritebacks} write-backs refused by fencing${rec} (events.jsonl)`)
    if (f.byKind.length > 0) lines.push(...faultTableText(f.byKind))
  }
  for (const r of s.redisFaults ?? []) lines.push(...redisFaultLines(r))
  const f = s.counters.faults
  const warm = warmupText(s)
  lines.push(`faults: ${faultCountsText(f)} (one per page access, copies' included: the fault:* histograms count the same accesses${warm === null ? '' : `, less the warm-up's ${s.counters.untimedAccesses ?? 0}`}${unfaultedText(s.counters)})`)
  lines.push(...nodeLines(s))
  lines.push(`cost: ${costText(s.cost)}, ${s.counters.upgradesRefused} upgrades refused`)
  if (s.resources) {
    lines.push(resourcesLine(s.resources))
    if (s.resources.saturated) lines.push(`CPU saturated: ${SATURATION_NOTE}`)
  }
  const timed = merged !== null && Object.keys(merged.corrected).length > 0
  if (timed) lines.push('', `latency (corrected, merged across nodes${warm === null ? '' : `; ${warm}`}):`, formatPercentileTable(merged))
  else if (warm !== null) lines.push('', `latency: none recorded (${warm}): the warm-up lasted the whole run`)
  const d = s.deadlocks
  lines.push(`copies: strategy ${s.copies.strategy}, ${s.copies.retries} retries, ${s.copies.fallbacks} fell back to ordered; deadlocks: ${d.count} (policy ${d.policy}, ${d.broken} broken), ${s.copies.opsFailed} ops failed`)
  for (const c of d.cycles.slice(0, 3)) lines.push(`  deadlock #${c.id}: ${c.text}`)
  if (d.count > 3) lines.push(`  ... ${d.count - 3} more in events.jsonl`)
  for (const e of s.errors) lines.push(e.node < 0 ? `error: ${printable(e.message)}` : `error on node ${e.node}: ${printable(e.message)}`)
  lines.push('', 'checks:')
  lines.push(checksText(s.checks))
  lines.push(...explainLines(s.explained ?? [], s.break, dir))
  const unfired = s.break && s.breakFired === 0 ? `; but --break ${s.break} NEVER FIRED, so this run did not test it` : ''
  if (s.command !== undefined) lines.push(`reproduce: ${s.command}`)
  lines.push(`verdict: ${validityWord(s.checks.valid)} (${verdictWhy(s.checks)}${unfired})   results: ${dir}`)
  return lines.join('\n')
}

/**
 * The cost line. Its faults (run.json `cost.faults`) are the page accesses the PTE did not allow
 * (every class but `hit`), fewer than the `faults:` line's sum, which counts hits too: said here.
 */
export function costText(cost: Partial<Record<keyof RunSummary['cost'], number>>): string {
  const faults = cost.faults === undefined ? '' : ` (${cost.faults}: every class but hit)`
  return `${cost.roundTripsPerFault} Redis round trips per fault past the PTE${faults}, ${cost.roundTripsPerOp} per op${commandsText(cost.redisCommandsPerOp)}, ${cost.callbacksPerOp} callbacks per op`
}

/**
 * Accesses that ended in no fault class (counters.accesses less the classes' sum): abandoned to
 * break a deadlock (naive copies: 794 accesses, 736 faults), failed by a lost lease, in flight at a
 * killed incarnation's last progress report, or at the end of a run that got stuck. Said, so the
 * classes need not add up to the accesses.
 */
function unfaultedText(c: RunSummary['counters']): string {
  const none = c.accesses - Object.values(c.faults).reduce((a, b) => a + b, 0)
  return none > 0 ? `; ${none} more page access${none === 1 ? '' : 'es'} ended in no class: failed to break a deadlock, or cut short (by a lost lease, a kill, a stuck run's end)` : ''
}

function faultCountsText(f: RunSummary['counters']['faults']): string {
  return `hit ${f.hit}, cached-lock ${f['cached-lock']}, acquired ${f.acquired}, upgrade ${f.upgrade}, after-callback ${f['after-callback']}`
}

/** Per node: ops, faults and op latency, incarnations merged; a restarted node says it replayed its script. */
function nodeLines(s: RunSummary): string[] {
  const lines = s.nodes.map((n) => {
    const lat = n.latency === null ? 'no latency recorded' : `op p50 ${formatLatency(n.latency.p50)}, p99 ${formatLatency(n.latency.p99)}`
    const inc = n.incarnations > 1 ? `; ${n.incarnations} incarnations` : ''
    const cut = n.unfinished > 0 ? `; ${n.unfinished} killed or cut off, counted to ${n.unfinished === 1 ? 'its' : 'their'} last progress report${uncountedText(n)}` : ''
    return `  node ${n.node}: ${n.ops} ops${inc}${cut}; faults ${faultCountsText(n.counters.faults)}; ${lat}`
  })
  if (s.nodes.some((n) => n.incarnations > 1)) lines.push('  (a restarted node replays its whole script from the start: its ops are summed over its incarnations and can exceed the script\'s)')
  return ['per node (histograms/node-K/):', ...lines]
}

/** A killed incarnation's accesses after its last progress report: in history.jsonl, in no count. */
function uncountedText(n: RunSummary['nodes'][number]): string {
  if (n.historyAccesses === undefined || n.historyAccesses <= n.counters.accesses) return ''
  return ` (counts: ${n.counters.accesses} page accesses; history.jsonl: ${n.historyAccesses})`
}

/** How often a broken variant's deviation was taken (README's table lists workloads where each fires). */
function firedText(s: RunSummary): string {
  if (s.breakFired === undefined) return 'not counted in this run'
  if (s.breakFired === 0) return 'it NEVER FIRED in this run (the workload never reached the deviation): a valid verdict says nothing about it'
  return `it fired ${s.breakFired} time${s.breakFired === 1 ? '' : 's'}`
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

/** A Redis fault's account: what came back, what was lost, the ops caught in flight. */
export function redisFaultLines(r: RedisFaultAccount): string[] {
  const how = r.kind === 'failover' ? `failover ${r.from} -> ${r.to} (promoted after ${r.promotedAfterMs} ms)` : `restart (durability ${r.durability})`
  const lines = [`redis ${how} at ${(r.atMs / 1000).toFixed(2)}s, back after ${r.backAfterMs} ms`]
  if (r.loss === null) lines.push('  lost: unknown (the primary did not answer before it was killed)')
  else {
    const nothing = r.loss.pages.length === 0 && r.loss.units.length === 0 && r.loss.streams.length === 0
    lines.push(nothing && r.loss.runKept ? '  lost: nothing the old primary had acknowledged' : `  lost: ${r.loss.runKept ? '' : 'the whole run (epoch key gone); '}${lossText(r.loss)}`)
  }
  const ops = r.opsInFlight
  if (ops.length > 0) lines.push(`  ops in flight: ${ops.length} (${ops.slice(0, 6).map((o) => `${o.process} ${o.f} ${o.key}`).join(', ')}${ops.length > 6 ? ', ...' : ''}): they may or may not have happened (info)`)
  return lines
}

/** The fault table: per kind, faults injected and fault -> locks regranted for those that cost a lease. */
function faultTableText(rows: NonNullable<RunSummary['faults']>['byKind']): string[] {
  const ms = (v: number | null) => (v === null ? '-' : `${v} ms`)
  const cells = rows.map((r) => [r.kind, String(r.faults), String(r.recoveryMs.count), ms(r.recoveryMs.p50), ms(r.recoveryMs.p99), ms(r.recoveryMs.max)])
  const head = ['fault', 'injected', 'lease lost', 'recovery p50', 'p99', 'max']
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)))
  const line = (c: readonly string[]) => '  ' + c.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  ')
  return ['recovery per fault kind (fault -> locks regranted):', line(head), ...cells.map(line)]
}

/** What `--warmup` left out of the histograms, or null without one. */
function warmupText(s: RunSummary): string | null {
  const ms = s.warmupMs ?? 0
  if (ms <= 0) return null
  const ops = s.counters.untimedOps ?? 0
  return `after a ${ms >= 1000 ? `${ms / 1000}s` : `${ms}ms`} warm-up: its ${ops} op${ops === 1 ? '' : 's'} checked, not timed`
}

/** The nodes' commands per op beside the protocol's round trips (runs written before they were counted have none). */
function commandsText(perOp: number | undefined): string {
  return perOp === undefined ? '' : ` (${perOp} Redis commands per op in all, inbox reads, leases and reports included)`
}
