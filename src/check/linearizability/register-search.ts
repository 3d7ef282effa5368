// Wing-Gong/Lowe just-in-time linearizability search for one register, as in Porcupine's
// checkSingle: a doubly linked list of call/return events in real-time order; the first
// call (before any pending return) whose step is legal and leads to an unvisited
// (linearized set, value) state is lifted out of the list; when no call before the first
// pending return can be placed, that return's op can no longer be placed in time, so the
// last lift is undone and the next candidate tried. On top of Porcupine: pruning rules
// for registers (below), and ops that may never have happened are optional.
//
// Everything lives in typed arrays reused across registers, so checking many small
// registers allocates next to nothing.
import {CAS, CAS_INFO, READ} from './pairing.js'
import {NULL_VALUE} from './split-keys.js'
import {VisitedStates} from './state-cache.js'
import {ValueNeeds} from './value-needs.js'

export type SearchOutcome = 'valid' | 'invalid' | 'deadline' | 'state-limit'

/**
 * One register's ops, with local ids: first the ops that completed, in invoke order, then
 * the `openEnded` ones (info, never completed) in invoke order.
 */
export interface RegisterOps {
  readonly count: number
  /** `2 * count` events in real-time order: `2 * op` = call, `2 * op + 1` = return. */
  readonly events: Int32Array
  readonly kind: Uint8Array
  readonly a: Int32Array
  readonly b: Int32Array
  /** Value ids are below this. */
  readonly valueCount: number
  /** Ops that may take effect until the end (info, unfinished): their returns come last. */
  readonly openEnded: number
}

/** Deadline checks cost a clock read: do one every this many steps. */
const DEADLINE_EVERY = 1024

const NO_OPS: RegisterOps = {count: 0, events: new Int32Array(0), kind: new Uint8Array(0), a: new Int32Array(0), b: new Int32Array(0), valueCount: 0, openEnded: 0}

/** What trying an op as the next linearized one did (see `place`). */
const SKIPPED = 0
const LIFTED = 1
const DEAD_END = 2
const FULL = 3
type Placed = typeof SKIPPED | typeof LIFTED | typeof DEAD_END | typeof FULL

/** The register's value after `op` (of kind `k`) from `state`, or -1 if `op` cannot take effect there. */
function after(k: number, state: number, op: number, a: Int32Array, b: Int32Array): number {
  if (k === READ) return state === a[op] ? state : -1
  if (k === CAS) return state === a[op] ? b[op]! : -1
  if (k === CAS_INFO) return state === a[op] ? b[op]! : state
  return a[op]!
}

function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b)
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35)
  return x ^ (x >>> 16)
}

/** Zobrist key of an op: the set's hash is the XOR of its members', updated in O(1). */
function opKey(op: number): number {
  return mix32(Math.imul(op + 1, 0x9e3779b1))
}

function stateHash(setHash: number, state: number): number {
  return setHash ^ mix32(Math.imul(state + 0x3c6ef372, 0x27d4eb2f))
}

/** The first id in [from, limit) whose bit is clear, or `limit`. */
function nextClear(bits: Uint32Array, from: number, limit: number): number {
  let i = from
  while (i < limit) {
    const w = i >>> 5
    const clear = ~bits[w]! & (-1 << (i & 31))
    if (clear !== 0) return Math.min(limit, (w << 5) + 31 - Math.clz32(clear & -clear))
    i = (w + 1) << 5
  }
  return limit
}

export class RegisterSearch {
  private next = new Int32Array(0)
  private prev = new Int32Array(0)
  private callNode = new Int32Array(0)
  private retNode = new Int32Array(0)
  private bits = new Uint32Array(0)
  private stackOp = new Int32Array(0)
  private stackState = new Int32Array(0)
  private stackMax = new Int32Array(0)
  /** The scan's `limit` when the frame's op was lifted (see `search`). */
  private stackLimit = new Int32Array(0)
  /** 1 when the frame lifted a pure read: see `search`. */
  private stackForced = new Uint8Array(0)
  private best = new Int32Array(0)
  private readonly cache: VisitedStates
  private readonly needs = new ValueNeeds()

  /** After an 'invalid' run: the longest linearized prefix (local op ids), ... */
  bestDepth = -1
  /** ... the op whose return was reached right after it, ... */
  blocked = -1
  /** ... and the register's value id after the prefix. */
  bestState = NULL_VALUE
  /** When the best prefix ended by overwriting a value still needed: that value. */
  private lostValue = NULL_VALUE
  /** States visited by the last run. */
  states = 0

  // The search's position (fields, so that its steps can be methods): the register searched,
  // the linearized path's value and set hash, the cache's two windows [first unlinearized,
  // highest linearized] among completed ops and among open-ended ones, the path's depth.
  private ops: RegisterOps = NO_OPS
  /** Ops `done..count-1` are the open-ended ones. */
  private done = 0
  private state = NULL_VALUE
  private setHash = 0
  private firstDone = 0
  private maxDone = -1
  private firstOpen = 0
  private maxOpen = -1
  private depth = 0
  /** best[0..dirty) still equals stackOp[0..dirty): snapshots copy only the rest. */
  private dirty = 0

  constructor(maxStates: number) {
    this.cache = new VisitedStates(maxStates)
  }

  /** The longest linearized prefix of the last invalid run, in order. */
  prefix(): Int32Array {
    return this.best.slice(0, Math.max(0, this.bestDepth))
  }

  private reserve(ops: number): void {
    if (this.callNode.length >= ops && this.next.length > 0) return
    const n = Math.max(ops, this.callNode.length * 2, 32)
    this.next = new Int32Array(2 * n + 4)
    this.prev = new Int32Array(2 * n + 4)
    this.callNode = new Int32Array(n)
    this.retNode = new Int32Array(n)
    this.bits = new Uint32Array((n >>> 5) + 1)
    this.stackOp = new Int32Array(n)
    this.stackState = new Int32Array(n)
    this.stackMax = new Int32Array(n)
    this.stackLimit = new Int32Array(n)
    this.stackForced = new Uint8Array(n)
    this.best = new Int32Array(n)
  }

  run(reg: RegisterOps, deadline: number): SearchOutcome {
    this.reserve(reg.count)
    this.needs.prepare(reg)
    try {
      return this.search(reg, deadline)
    } finally {
      this.needs.clear(reg)
    }
  }

  private search(reg: RegisterOps, deadline: number): SearchOutcome {
    this.begin(reg)
    const {events, kind, a, b} = reg
    const {next, callNode, stackLimit, done} = this
    const HEAD = 2 * reg.count
    const TAIL = HEAD + 1
    const OPEN_HEAD = HEAD + 2
    const OPEN_TAIL = HEAD + 3
    // Candidates are the completed ops' calls up to the first pending return (`limit`,
    // once reached), then the open ops' calls that come before it.
    let node = next[HEAD]!
    let limit = -1
    let steps = 0
    for (;;) {
      if (++steps % DEADLINE_EVERY === 0 && Date.now() > deadline) return this.finish('deadline')
      let op = -1
      if (limit === -1) {
        // Every completed op is placed; the open ones left may never have happened.
        if (node === TAIL) return this.finish('valid')
        const ev = events[node]!
        if ((ev & 1) === 1) {
          limit = node
          node = next[OPEN_HEAD]!
          continue
        }
        op = ev >> 1
      } else if (node !== OPEN_TAIL && node < limit) {
        op = events[node]! >> 1
      }
      if (op === -1) {
        // No candidate left here: the op returning at `limit` cannot be placed in time.
        this.recordBlocked(limit)
      } else {
        // Checked here, not in `place`: most candidates fail it, and this loop is the hot path.
        const state = this.state
        const ns = after(kind[op]!, state, op, a, b)
        // An op that may not have happened is never placed where it would change
        // nothing: leaving it out is the same, and keeps it free for where it matters.
        if (ns === -1 || (ns === state && op >= done)) {
          node = next[node]!
          continue
        }
        const placed = this.place(op, ns, node, limit)
        if (placed === SKIPPED) {
          node = next[node]!
          continue
        }
        if (placed === LIFTED) {
          node = next[HEAD]!
          limit = -1
          continue
        }
        if (placed === FULL) return this.finish('state-limit')
        // DEAD_END: backtrack now instead of trying the rest.
      }
      const undone = this.backtrack()
      if (undone === -1) {
        if (this.blocked === -1) this.blocked = this.observerOutsidePrefix(reg)
        return this.finish('invalid')
      }
      // Go on with the candidates after the undone op, in the list it came from.
      node = next[callNode[undone]!]!
      limit = stackLimit[this.depth]!
    }
  }

  /** Links the event lists and starts from the empty path. */
  private begin(reg: RegisterOps): void {
    const done = reg.count - reg.openEnded
    this.link(reg, done)
    this.bits.fill(0, 0, (reg.count >>> 5) + 1)
    this.cache.reset(reg.count)
    this.bestDepth = -1
    this.blocked = -1
    this.bestState = NULL_VALUE
    this.ops = reg
    this.done = done
    this.state = NULL_VALUE
    this.setHash = 0
    this.firstDone = 0
    this.maxDone = -1
    this.firstOpen = done
    this.maxOpen = done - 1
    this.depth = 0
    this.dirty = 0
  }

  /** Each op's call and return as list nodes, linked in real-time order. */
  private link(reg: RegisterOps, done: number): void {
    const m = reg.count
    const {events} = reg
    const {next, prev, callNode, retNode} = this
    // Two lists: the calls and returns of completed ops, and the calls of open-ended ops
    // (their returns are at infinity). Keeping the latter apart means the scan for a
    // candidate does not wade, at every step, through open ops that may never be placed.
    const HEAD = 2 * m
    const TAIL = HEAD + 1
    const OPEN_HEAD = HEAD + 2
    const OPEN_TAIL = HEAD + 3
    let last = HEAD
    let lastOpen = OPEN_HEAD
    for (let i = 0; i < 2 * m; i++) {
      const ev = events[i]!
      const op = ev >> 1
      if ((ev & 1) === 1) {
        retNode[op] = i
        if (op >= done) continue
      } else callNode[op] = i
      if (op < done) {
        next[last] = i
        prev[i] = last
        last = i
      } else {
        next[lastOpen] = i
        prev[i] = lastOpen
        lastOpen = i
      }
    }
    next[last] = TAIL
    prev[TAIL] = last
    next[lastOpen] = OPEN_TAIL
    prev[OPEN_TAIL] = lastOpen
  }

  /**
   * Tries `op` (its call is list node `node`), legal here and leading to value `ns`, as the next
   * linearized op: SKIPPED, LIFTED onto the path, DEAD_END (a visited state after a pure read) or FULL.
   */
  private place(op: number, ns: number, node: number, limit: number): Placed {
    const {kind, a, b} = this.ops
    const {bits, cache, needs, done, state} = this
    const k = kind[op]!
    // Never overwrite a value still needed that nothing left can write again.
    if (ns !== state && needs.loses(state, op, k, b, bits)) {
      this.recordLost(op, ns)
      return SKIPPED
    }
    const word = op >>> 5
    const bit = 1 << (op & 31)
    bits[word] = bits[word]! | bit
    // The windows of the set with `op` in it.
    let newFirstDone = this.firstDone
    let newMaxDone = this.maxDone
    let newFirstOpen = this.firstOpen
    let newMaxOpen = this.maxOpen
    if (op < done) {
      if (op === newFirstDone) newFirstDone = nextClear(bits, op + 1, done)
      if (op > newMaxDone) newMaxDone = op
    } else {
      if (op === newFirstOpen) newFirstOpen = nextClear(bits, op + 1, this.ops.count)
      if (op > newMaxOpen) newMaxOpen = op
    }
    const newHash = this.setHash ^ opKey(op)
    const added = cache.add(
      bits,
      newFirstDone >>> 5,
      newMaxDone >= newFirstDone ? newMaxDone >>> 5 : -1,
      newFirstOpen >>> 5,
      newMaxOpen >= newFirstOpen ? newMaxOpen >>> 5 : -1,
      ns,
      stateHash(newHash, ns),
    )
    // A pure read (legal here, changes nothing) can always be placed now: any
    // linearization that places it later stays legal with it moved here.
    const pure = ns === state && (k === READ || k === CAS)
    if (added === 1) {
      this.push(op, node, limit, pure)
      needs.count(k, a[op]!, b[op]!, -1)
      this.state = ns
      this.setHash = newHash
      this.firstDone = newFirstDone
      this.maxDone = newMaxDone
      this.firstOpen = newFirstOpen
      this.maxOpen = newMaxOpen
      return LIFTED
    }
    bits[word] = bits[word]! & ~bit
    if (added === -1) return FULL
    // A visited state off the current path is a dead end, and so (see above) is the
    // state before this pure read.
    return pure ? DEAD_END : SKIPPED
  }

  /** A stack frame to undo `op` by, and its call and return out of the lists. */
  private push(op: number, node: number, limit: number, pure: boolean): void {
    const {next, prev} = this
    const d = this.depth
    this.stackOp[d] = op
    this.stackState[d] = this.state
    this.stackMax[d] = op < this.done ? this.maxDone : this.maxOpen
    this.stackLimit[d] = limit
    this.stackForced[d] = pure ? 1 : 0
    this.depth = d + 1
    next[prev[node]!] = next[node]!
    prev[next[node]!] = prev[node]!
    if (op < this.done) {
      const r = this.retNode[op]!
      next[prev[r]!] = next[r]!
      prev[next[r]!] = prev[r]!
    }
  }

  /**
   * Undoes the last lift, and once more while the frame undone was a pure read (the state
   * before a pure read is dead when the state after it is). Returns the last op undone, or -1
   * when the path was empty: no linearization exists.
   */
  private backtrack(): number {
    const {kind, a, b} = this.ops
    const {next, prev, callNode, retNode, stackOp, stackState, stackMax, stackForced, bits, needs, done} = this
    let undone = -1
    do {
      if (this.depth === 0) return -1
      const depth = --this.depth
      if (depth < this.dirty) this.dirty = depth
      undone = stackOp[depth]!
      needs.count(kind[undone]!, a[undone]!, b[undone]!, 1)
      this.state = stackState[depth]!
      this.setHash ^= opKey(undone)
      bits[undone >>> 5] = bits[undone >>> 5]! & ~(1 << (undone & 31))
      // The first unlinearized op of a window can only move back to the undone op.
      const c = callNode[undone]!
      if (undone < done) {
        this.maxDone = stackMax[depth]!
        if (undone < this.firstDone) this.firstDone = undone
        const r = retNode[undone]!
        next[prev[r]!] = r
        prev[next[r]!] = r
      } else {
        this.maxOpen = stackMax[depth]!
        if (undone < this.firstOpen) this.firstOpen = undone
      }
      next[prev[c]!] = c
      prev[next[c]!] = c
    } while (stackForced[this.depth] === 1)
    return undone
  }

  /** No candidate is left before the return at `limit`: the path so far, if the longest yet, is the best prefix. */
  private recordBlocked(limit: number): void {
    const depth = this.depth
    if (depth <= this.bestDepth) return
    this.best.set(this.stackOp.subarray(this.dirty, depth), this.dirty)
    this.dirty = depth
    this.bestDepth = depth
    this.blocked = this.ops.events[limit]! >> 1
    this.bestState = this.state
  }

  /**
   * `op` would overwrite a value still needed: report it as Porcupine would have found it,
   * `op` placed, then some observer of the lost value stuck (which one is settled at the end).
   */
  private recordLost(op: number, ns: number): void {
    const depth = this.depth
    if (depth + 1 <= this.bestDepth) return
    this.best.set(this.stackOp.subarray(this.dirty, depth), this.dirty)
    this.best[depth] = op
    this.dirty = depth
    this.bestDepth = depth + 1
    this.blocked = -1
    this.lostValue = this.state
    this.bestState = ns
  }

  /** The first op that needed `lostValue` and is not in the best prefix (an info cas if no other). */
  private observerOutsidePrefix(reg: RegisterOps): number {
    const inPrefix = new Uint8Array(reg.count)
    for (let i = 0; i < this.bestDepth; i++) inPrefix[this.best[i]!] = 1
    let fallback = -1
    for (let op = 0; op < reg.count; op++) {
      if (reg.a[op] !== this.lostValue || inPrefix[op] === 1) continue
      const k = reg.kind[op]
      if (k === READ || k === CAS) return op
      if (k === CAS_INFO && fallback === -1) fallback = op
    }
    return fallback
  }

  private finish(outcome: SearchOutcome): SearchOutcome {
    this.states = this.cache.size
    return outcome
  }
}
