// Splits the op table per register (P-compositionality: a history is linearizable iff
// each register's sub-history is), and lays out each register's call/return events in
// real-time order. Linear time: counting sort by key, then one pass over the entries.
import {CAS, CAS_INFO, type OpTable, READ, WRITE} from './pairing.js'
import type {Scalar} from './types.js'

/** Every register's value id 0 is null, its initial value. */
export const NULL_VALUE = 0

export interface KeyedHistory {
  readonly keyCount: number
  /**
   * Register k's ops are `keyOps[opStart[k] .. opStart[k + 1])`: the completed ones in
   * invoke order, then the open-ended ones (info, never completed) in invoke order.
   */
  readonly opStart: Int32Array
  /** Global op ids. An op's index within its register's slice is its local id. */
  readonly keyOps: Int32Array
  /**
   * Register k's events are `events[2 * opStart[k] .. 2 * opStart[k + 1])` in real-time order:
   * `local * 2` is the op's call, `local * 2 + 1` its return. Ops that may take effect
   * until the end (info, never completed) return after every completed op.
   */
  readonly events: Int32Array
  /** Per global op: value ids within its register (`valueA`, `valueB` of the op table). */
  readonly a: Int32Array
  readonly b: Int32Array
  /** Register k's value id v is `values[valueStart[k] + v]`. */
  readonly valueStart: Int32Array
  readonly values: readonly Scalar[]
  /** Info writes/cas dropped because nothing ever observed the value they would write. */
  readonly dropped: number
}

function grow(a: Int32Array): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(a.length * 2)
  bigger.set(a)
  return bigger
}

export function splitByKey(ops: OpTable, entryCount: number): KeyedHistory {
  const keyCount = ops.keys.length
  const {opStart: start, keyOps} = groupByKey(ops, keyCount)
  const {a, b, valueStart, values} = internValues(ops, start, keyOps)
  const {drop, dropped} = unobservedInfoOps(ops, start, keyOps, a, b, valueStart)
  const {opStart, kept} = completedFirst(ops, start, keyOps, drop)
  const events = layoutEvents(ops, entryCount, opStart, kept)
  return {keyCount, opStart, keyOps: kept, events, a, b, valueStart, values, dropped}
}

/** Counting sort of the ops by key: key k's ops are `keyOps[opStart[k] .. opStart[k + 1])`, in op order. */
function groupByKey(ops: OpTable, keyCount: number): {opStart: Int32Array; keyOps: Int32Array} {
  const opStart = new Int32Array(keyCount + 1)
  for (let o = 0; o < ops.count; o++) opStart[ops.key[o]! + 1]!++
  for (let k = 0; k < keyCount; k++) opStart[k + 1] = opStart[k + 1]! + opStart[k]!
  const fill = opStart.slice(0, keyCount)
  const keyOps = new Int32Array(ops.count)
  for (let o = 0; o < ops.count; o++) keyOps[fill[ops.key[o]!]!++] = o
  return {opStart, keyOps}
}

/**
 * Value ids per op (`a`, and `b` for a cas). Values are interned per register: a small map that
 * stays in cache, and ids that stay below twice the register's op count.
 */
function internValues(ops: OpTable, start: Int32Array, keyOps: Int32Array): Pick<KeyedHistory, 'a' | 'b' | 'valueStart' | 'values'> {
  const keyCount = start.length - 1
  const a = new Int32Array(ops.count)
  const b = new Int32Array(ops.count)
  const valueStart = new Int32Array(keyCount + 1)
  const values: Scalar[] = []
  const ids = new Map<Scalar, number>()
  const intern = (v: Scalar, base: number): number => {
    let id = ids.get(v)
    if (id === undefined) {
      id = values.length - base
      ids.set(v, id)
      values.push(v)
    }
    return id
  }
  for (let k = 0; k < keyCount; k++) {
    const base = values.length
    valueStart[k] = base
    ids.clear()
    intern(null, base)
    for (let i = start[k]!; i < start[k + 1]!; i++) {
      const o = keyOps[i]!
      a[o] = intern(ops.valueA[o] as Scalar, base)
      const kind = ops.kind[o]!
      if (kind === CAS || kind === CAS_INFO) b[o] = intern(ops.valueB[o] as Scalar, base)
    }
  }
  valueStart[keyCount] = values.length
  return {a, b, valueStart, values}
}

/**
 * The info writes and cas to drop: an info write whose value nobody reads (nor compares against)
 * can always be placed last, where it changes nothing; dropping it keeps it from stalling the search.
 */
function unobservedInfoOps(ops: OpTable, start: Int32Array, keyOps: Int32Array, a: Int32Array, b: Int32Array, valueStart: Int32Array): {drop: Uint8Array; dropped: number} {
  let observed = new Uint8Array(0)
  const drop = new Uint8Array(ops.count)
  let dropped = 0
  for (let k = 0; k < start.length - 1; k++) {
    const from = start[k]!
    const to = start[k + 1]!
    const valueCount = valueStart[k + 1]! - valueStart[k]!
    if (observed.length < valueCount) observed = new Uint8Array(Math.max(valueCount, observed.length * 2))
    // Dropping an info cas can leave the value it expected unobserved in turn: repeat
    // (a few rounds catch the real cases; stopping early only keeps an op).
    for (let round = 0; round < 8; round++) {
      observed.fill(0, 0, valueCount)
      for (let i = from; i < to; i++) {
        const o = keyOps[i]!
        if (ops.kind[o] !== WRITE && drop[o] === 0) observed[a[o]!] = 1
      }
      let more = false
      for (let i = from; i < to; i++) {
        const o = keyOps[i]!
        const kind = ops.kind[o]!
        if (drop[o] === 1 || ops.complete[o] !== -1 || kind === READ) continue
        if (observed[kind === WRITE ? a[o]! : b[o]!] === 0) {
          drop[o] = 1
          dropped++
          more = true
        }
      }
      if (!more) break
    }
  }
  return {drop, dropped}
}

/**
 * Each register's kept ops, completed ones first, then the open-ended ones: see `RegisterOps`
 * for why. Compacts `keyOps` in place (a register's ops only move down, past dropped ones).
 */
function completedFirst(ops: OpTable, start: Int32Array, keyOps: Int32Array, drop: Uint8Array): {opStart: Int32Array; kept: Int32Array} {
  const keyCount = start.length - 1
  const opStart = new Int32Array(keyCount + 1)
  let openBuffer = new Int32Array(64)
  let cursor = 0
  for (let k = 0; k < keyCount; k++) {
    opStart[k] = cursor
    let opens = 0
    for (let i = start[k]!; i < start[k + 1]!; i++) {
      const o = keyOps[i]!
      if (drop[o] === 1) continue
      if (ops.complete[o] !== -1) keyOps[cursor++] = o
      else {
        if (opens === openBuffer.length) openBuffer = grow(openBuffer)
        openBuffer[opens++] = o
      }
    }
    keyOps.set(openBuffer.subarray(0, opens), cursor)
    cursor += opens
  }
  opStart[keyCount] = cursor
  return {opStart, kept: keyOps.subarray(0, cursor)}
}

/** Each register's call/return events in real-time order; open-ended ops return after everything. */
function layoutEvents(ops: OpTable, entryCount: number, opStart: Int32Array, kept: Int32Array): Int32Array {
  const keyCount = opStart.length - 1
  const cursor = kept.length
  const entryOp = new Int32Array(entryCount).fill(-1)
  const localId = new Int32Array(ops.count)
  for (let k = 0; k < keyCount; k++) {
    for (let i = opStart[k]!; i < opStart[k + 1]!; i++) {
      const o = kept[i]!
      localId[o] = i - opStart[k]!
      entryOp[ops.invoke[o]!] = o
      const c = ops.complete[o]!
      if (c >= 0) entryOp[c] = o
    }
  }
  const events = new Int32Array(2 * cursor)
  const evFill = new Int32Array(keyCount)
  for (let k = 0; k < keyCount; k++) evFill[k] = 2 * opStart[k]!
  for (let p = 0; p < entryCount; p++) {
    const o = entryOp[p]!
    if (o < 0) continue
    events[evFill[ops.key[o]!]!++] = 2 * localId[o]! + (p === ops.invoke[o] ? 0 : 1)
  }
  for (let i = 0; i < cursor; i++) {
    const o = kept[i]!
    if (ops.complete[o] !== -1) continue
    events[evFill[ops.key[o]!]!++] = 2 * localId[o]! + 1
  }
  return events
}
