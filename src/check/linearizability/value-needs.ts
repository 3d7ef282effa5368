// Bookkeeping for the search's "lost value" rule: which register values the ops not yet
// linearized still need to see, and which could still write them. Overwriting a value
// that a pending op needs, when nothing left can write it again, leads only to dead ends;
// Lowe's search would find that out much later, after trying every order of the ops in
// between (with many concurrent writes, exponentially many).
import {CAS, CAS_INFO, READ} from './pairing.js'
import type {RegisterOps} from './register-search.js'

export class ValueNeeds {
  /** Per value: pending ops that need the register to hold it (ok reads, ok cas). */
  private observers = new Int32Array(0)
  /** Per value: pending ops that may write it. */
  private producers = new Int32Array(0)
  /** Per value v: the info cas ops expecting v, `casInfoOps[casInfoStart[v] .. casInfoStart[v + 1])`. */
  private casInfoStart = new Int32Array(0)
  private casInfoOps = new Int32Array(0)

  /** Counts every op of `reg` as pending. */
  prepare(reg: RegisterOps): void {
    const {count, kind, a, b, valueCount} = reg
    if (this.observers.length < valueCount) {
      this.observers = new Int32Array(valueCount)
      this.producers = new Int32Array(valueCount)
    }
    for (let op = 0; op < count; op++) this.count(kind[op]!, a[op]!, b[op]!, 1)

    if (this.casInfoStart.length < valueCount + 1) this.casInfoStart = new Int32Array(valueCount + 1)
    const start = this.casInfoStart
    start.fill(0, 0, valueCount + 1)
    let total = 0
    for (let op = 0; op < count; op++) {
      if (kind[op] === CAS_INFO) {
        start[a[op]! + 1]!++
        total++
      }
    }
    for (let v = 0; v < valueCount; v++) start[v + 1] = start[v + 1]! + start[v]!
    if (this.casInfoOps.length < total) this.casInfoOps = new Int32Array(total)
    const fill = start.slice(0, valueCount)
    for (let op = 0; op < count; op++) if (kind[op] === CAS_INFO) this.casInfoOps[fill[a[op]!]!++] = op
  }

  /** Zeroes what `prepare(reg)` counted, whatever the search left. */
  clear(reg: RegisterOps): void {
    const {count, a, b} = reg
    for (let op = 0; op < count; op++) {
      this.observers[a[op]!] = 0
      this.producers[a[op]!] = 0
      this.producers[b[op]!] = 0
    }
  }

  /** An op was linearized (delta -1) or un-linearized (+1). */
  count(kind: number, a: number, b: number, delta: number): void {
    const {observers, producers} = this
    if (kind === READ) observers[a] = observers[a]! + delta
    else if (kind === CAS) {
      observers[a] = observers[a]! + delta
      producers[b] = producers[b]! + delta
    } else if (kind === CAS_INFO) producers[b] = producers[b]! + delta
    else producers[a] = producers[a]! + delta
  }

  /**
   * Whether moving the register away from `value` by linearizing `op` (of kind `kind`)
   * loses a value some pending op needs: nothing pending can write `value` again, and a
   * pending ok read or cas expects it (an ok cas being lifted observes it itself, which
   * does not count), or a pending info cas expects it and is the only op left that can
   * write a value some pending op needs. `linearized` tells which ops are not pending.
   */
  loses(value: number, op: number, kind: number, b: Int32Array, linearized: Uint32Array): boolean {
    if (this.producers[value] !== 0) return false
    if (this.observers[value]! - (kind === CAS ? 1 : 0) > 0) return true
    const {casInfoStart, casInfoOps, observers, producers} = this
    for (let i = casInfoStart[value]!; i < casInfoStart[value + 1]!; i++) {
      const c = casInfoOps[i]!
      if (c === op || (linearized[c >>> 5]! & (1 << (c & 31))) !== 0) continue
      const written = b[c]!
      if (observers[written]! > 0 && producers[written] === 1) return true
    }
    return false
  }
}
