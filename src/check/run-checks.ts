// The checkers that judge every run (and `cmm check run` on a stored one).
import {checkRegisterHistory, formatKey, formatOp} from './linearizability/index.js'
import {combine, type CheckResult, type ChecksReport} from './verdict.js'
import type {RunEvidence} from './run/evidence.js'
import {checkCoherence} from './run/coherence.js'
import {checkLostWrites} from './run/lost-writes.js'
import {checkLiveness} from './run/liveness.js'
import {NO_FINAL_STATE} from '../records/final-state.js'
import type {DeadlockRecord} from '../records/deadlocks.js'
import type {CopyStrategy} from '../protocol/copy-plan.js'

export type {RunEvidence} from './run/evidence.js'

function missing(file: string): CheckResult {
  return {valid: 'unknown', summary: `not recorded: the results folder has no ${file}`, counts: {}, violations: []}
}

export function runChecks(run: RunEvidence, options: {timeoutMs: number}): ChecksReport {
  return combine({
    coherence: run.locks === null ? missing('locks.jsonl') : checkCoherence(run.trace, run.locks),
    linearizable: linearizable(run, options.timeoutMs),
    'no-lost-writes': run.final === null ? missing('final.json') : checkLostWrites(run.history, run.final),
    liveness: checkLiveness(run.history, {...run, final: run.final ?? NO_FINAL_STATE}),
    deadlock: run.deadlocks === null ? missing('events.jsonl') : deadlock(run.deadlocks ?? [], run.copyStrategy ?? 'ordered'),
  })
}

/**
 * No lock-order cycle may form. Under `naive` copies one is expected (that is what the strategy
 * shows) but still makes the check invalid; under `ordered` and `retry` it is a bug.
 */
function deadlock(found: readonly DeadlockRecord[], strategy: CopyStrategy): CheckResult {
  if (found.length === 0) return {valid: true, summary: 'no wait-for cycle formed', counts: {deadlocks: 0}, violations: []}
  const first = found[0]!
  const why = strategy === 'naive' ? 'expected with naive copies' : `a bug: ${strategy} copies must not deadlock`
  return {
    valid: false,
    summary: `${found.length} deadlock${found.length === 1 ? '' : 's'} (${why}); first: ${first.text}`,
    counts: {deadlocks: found.length},
    violations: found.slice(0, 5).map((d) => ({id: d.id, cycle: d.text, victim: d.victim, ops: d.ops})),
  }
}

/** Every page is a register; the reads must be explained by some real-time order of the writes. */
function linearizable(run: Pick<RunEvidence, 'history'>, timeoutMs: number): CheckResult {
  const r = checkRegisterHistory(run.history, {deadline: Date.now() + timeoutMs})
  // Ops cut short by the end of the run (an invoke without completion) count as `info`: they may or may not have happened.
  const counts = {pages: r.keys, ops: r.ops, dropped: r.dropped, cutShort: cutShort(run.history)}
  if (r.valid === true) return {valid: true, summary: `${r.ops} page accesses on ${r.keys} page${r.keys === 1 ? '' : 's'} linearizable (history.jsonl)`, counts, violations: []}
  if (r.valid === 'unknown') {
    const why = r.gaveUp?.reason === 'state-limit' ? 'the search state limit was reached' : `the time limit (${timeoutMs} ms) ran out`
    return {valid: 'unknown', summary: `${why} on page ${formatKey(r.gaveUp?.key ?? null)}`, counts, violations: []}
  }
  const f = r.failure!
  const last = f.prefix.slice(-3).map(formatOp)
  return {
    valid: false,
    summary: `page ${formatKey(f.key)}: ${formatOp(f.blocked)} cannot be placed (value after the longest linearizable prefix: ${JSON.stringify(f.valueAfterPrefix)})`,
    counts,
    violations: [{key: f.key, blocked: f.blocked, valueAfterPrefix: f.valueAfterPrefix, prefixTail: last, prefixLength: f.prefix.length}],
  }
}

function cutShort(history: RunEvidence['history']): number {
  const open = new Map<number, boolean>()
  let info = 0
  for (const e of history) {
    open.set(e.process, e.type === 'invoke')
    if (e.type === 'info') info++
  }
  for (const v of open.values()) if (v) info++
  return info
}
