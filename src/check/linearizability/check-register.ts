// Entry point: pair, split per register, search each register in turn.
import {CAS, CAS_INFO, type OpTable, pairOperations, READ, WRITE} from './pairing.js'
import {RegisterSearch} from './register-search.js'
import {type KeyedHistory, splitByKey} from './split-keys.js'
import type {
  CheckOptions,
  ParsedHistory,
  RegisterCheckResult,
  RegisterFailure,
  RegisterHistoryEntry,
  RegisterKey,
  RegisterOp,
} from './types.js'

const DEFAULT_MAX_STATES = 20_000_000

/**
 * Checks that a history of register operations is linearizable, register by register
 * (Jepsen semantics: `ok` happened, `fail` did not, `info` or no completion may have
 * happened any time after the invoke). Real-time order is entry order.
 * Throws `HistoryFormatError` when entries do not pair up.
 */
export function checkRegisterHistory(
  history: readonly RegisterHistoryEntry[] | ParsedHistory,
  options: CheckOptions = {},
): RegisterCheckResult {
  const started = performance.now()
  const deadline = options.deadline ?? Number.POSITIVE_INFINITY
  const ops = pairOperations(history)
  const keyed = splitByKey(ops, ops.entries.length)
  const search = new RegisterSearch(options.maxStates ?? DEFAULT_MAX_STATES)

  let widest = 0
  for (let k = 0; k < keyed.keyCount; k++) widest = Math.max(widest, keyed.opStart[k + 1]! - keyed.opStart[k]!)
  const kind = new Uint8Array(widest)
  const a = new Int32Array(widest)
  const b = new Int32Array(widest)

  const base = {keys: keyed.keyCount, ops: keyed.keyOps.length, dropped: ops.dropped + keyed.dropped}
  const elapsed = (): number => Math.round((performance.now() - started) * 1000) / 1000
  let gaveUp: RegisterCheckResult['gaveUp']
  let keysChecked = 0
  let states = 0
  for (let k = 0; k < keyed.keyCount; k++) {
    if (Date.now() > deadline) {
      gaveUp = {key: ops.keys[k] ?? null, reason: 'deadline'}
      break
    }
    const from = keyed.opStart[k]!
    const count = keyed.opStart[k + 1]! - from
    // Copy the register's columns so that the search reads them contiguously.
    let openEnded = 0
    for (let i = 0; i < count; i++) {
      const o = keyed.keyOps[from + i]!
      if (ops.complete[o] === -1) openEnded++
      kind[i] = ops.kind[o]!
      a[i] = keyed.a[o]!
      b[i] = keyed.b[o]!
    }
    const events = keyed.events.subarray(2 * from, 2 * (from + count))
    const outcome = search.run({count, events, kind, a, b, valueCount: keyed.valueStart[k + 1]! - keyed.valueStart[k]!, openEnded}, deadline)
    states += search.states
    if (outcome === 'invalid') {
      const failure = describeFailure(ops, keyed, k, search)
      return {valid: false, ...base, keysChecked, failure, states, elapsedMs: elapsed()}
    }
    if (outcome === 'deadline') {
      gaveUp = {key: ops.keys[k] ?? null, reason: 'deadline'}
      break
    }
    // A register too hard for the state budget leaves the verdict open, but another
    // register may still prove the history not linearizable.
    if (outcome === 'state-limit') gaveUp ??= {key: ops.keys[k] ?? null, reason: 'state-limit'}
    else keysChecked++
  }
  if (gaveUp !== undefined) return {valid: 'unknown', ...base, keysChecked, gaveUp, states, elapsedMs: elapsed()}
  return {valid: true, ...base, keysChecked, states, elapsedMs: elapsed()}
}

function describeFailure(ops: OpTable, keyed: KeyedHistory, k: number, search: RegisterSearch): RegisterFailure {
  const from = keyed.opStart[k]!
  const global = (local: number): number => keyed.keyOps[from + local]!
  const prefix = Array.from(search.prefix(), (local) => describeOp(ops, global(local)))
  return {
    key: ops.keys[k] ?? null,
    prefix,
    valueAfterPrefix: keyed.values[keyed.valueStart[k]! + search.bestState] ?? null,
    blocked: describeOp(ops, global(search.blocked)),
  }
}

/** An op of the table as the user wrote it, for reports. */
export function describeOp(ops: OpTable, o: number): RegisterOp {
  const inv = ops.entries[ops.invoke[o]!]!
  const c = ops.completion[o]!
  const done = c >= 0 ? ops.entries[c] : undefined
  const kind = ops.kind[o]!
  const valueA = ops.valueA[o] ?? null
  const value = kind === CAS || kind === CAS_INFO ? ([valueA, ops.valueB[o] ?? null] as const) : valueA
  const key: RegisterKey = inv.key ?? null
  const op: RegisterOp = {
    process: inv.process,
    f: kind === READ ? 'read' : kind === WRITE ? 'write' : 'cas',
    key,
    value,
    outcome: done?.type === 'ok' ? 'ok' : 'info',
    invokeLine: ops.lineOf(ops.invoke[o]!),
    completeLine: c >= 0 ? ops.lineOf(c) : null,
  }
  return {
    ...op,
    ...(inv.index === undefined ? {} : {index: inv.index}),
    ...(inv.time === undefined ? {} : {time: inv.time}),
  }
}
