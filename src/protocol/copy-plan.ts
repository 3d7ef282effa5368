// How one copy (write() into `to` from a buffer that is an mmap of `from`) takes its locks: the
// three strategies of docs/DEADLOCKS.md as a pure, sans-IO state machine. The worker drives it
// against a real node runtime; a deterministic simulator can drive the very same plan against
// NodeCore and the manager model. Feed `next` the result of the previous action; it returns the
// next action, ending with `done`.
import type {HeldMode, PageRef, ProtocolSettings, UnitId} from './types.js'
import {unitOf} from './types.js'

export type CopyStrategy = 'naive' | 'ordered' | 'retry'
export const COPY_STRATEGIES: readonly CopyStrategy[] = ['naive', 'ordered', 'retry']

export type CopyAction =
  /** Take and pin `unit` in `mode` (`try`: only if it can be had at once; result `busy` if not). */
  | {readonly type: 'pin'; readonly unit: UnitId; readonly mode: HeldMode; readonly page: PageRef; readonly try: boolean}
  | {readonly type: 'unpin'; readonly unit: UnitId}
  /** Read source page `index` of the copy through the mapping (a fault if not mapped): history records it. */
  | {readonly type: 'read'; readonly page: PageRef; readonly index: number}
  /** Write destination page `index` with the bytes the read of `index` returned. */
  | {readonly type: 'write'; readonly page: PageRef; readonly index: number}
  /** Fault a source page in with no lock pinned (retry), not part of the copy's history. */
  | {readonly type: 'fault-in'; readonly page: PageRef}
  | {readonly type: 'backoff'; readonly us: number}
  /** `retries`: times the retry strategy let go and started over; `fellBack`: it gave up retrying and took the ordered path. */
  | {readonly type: 'done'; readonly retries: number; readonly fellBack: boolean}

export type CopyResult = {readonly type: 'ok'} | {readonly type: 'busy'}

export interface CopySpec {
  readonly from: PageRef
  readonly to: PageRef
  readonly pages: number
}

/** Retry bound: after this many rounds the copy takes the ordered path (it always makes progress). */
export const RETRY_LIMIT = 32
const BACKOFF_BASE_US = 50
const BACKOFF_MAX_US = 5_000

interface Need {
  readonly unit: UnitId
  readonly mode: HeldMode
  readonly page: PageRef
}

export function comparePages(a: PageRef, b: PageRef): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : a.page - b.page
}

export class CopyPlan {
  readonly #spec: CopySpec
  readonly #strategy: CopyStrategy
  readonly #settings: Pick<ProtocolSettings, 'granularity' | 'states'>
  /** Actions to hand out before deciding anything else. */
  #queue: CopyAction[] = []
  /** Units pinned now, in the order taken. */
  readonly #pinned: UnitId[] = []
  #phase: 'start' | 'pin-dest' | 'try-src' | 'copy' | 'released' | 'done' = 'start'
  #retries = 0
  #fellBack = false
  #last: CopyAction | null = null

  readonly #jitter: () => number
  readonly #retryLimit: number

  /**
   * `jitter` returns numbers in [0, 1) that spread retry backoffs (pass a seeded generator to
   * stay deterministic): two copies in opposite directions that back off in lockstep would
   * keep taking each other's locks away. `retryLimit`: rounds before the ordered path (a model
   * checker lowers it to keep the state space small; the worker keeps RETRY_LIMIT).
   */
  constructor(spec: CopySpec, strategy: CopyStrategy, settings: Pick<ProtocolSettings, 'granularity' | 'states'>, jitter: () => number = () => 0.5, retryLimit = RETRY_LIMIT) {
    if (!Number.isInteger(spec.pages) || spec.pages < 1) throw new Error(`copy of ${spec.pages} pages`)
    if (!Number.isInteger(retryLimit) || retryLimit < 1) throw new Error(`copy plan: retry limit ${retryLimit}`)
    this.#retryLimit = retryLimit
    this.#spec = spec
    this.#strategy = strategy
    this.#settings = settings
    this.#jitter = jitter
  }

  /** Units pinned right now, most recent last: what to unpin if the copy is abandoned. */
  get pinned(): readonly UnitId[] {
    return this.#pinned
  }

  get retries(): number {
    return this.#retries
  }

  /**
   * An independent copy, for a model checker exploring from one state. The jitter function is
   * shared: give a search a stateless one (a constant), or copies would draw from one generator.
   */
  clone(): CopyPlan {
    const c = new CopyPlan(this.#spec, this.#strategy, this.#settings, this.#jitter, this.#retryLimit)
    // Actions are never changed once made: sharing them is safe.
    c.#queue = [...this.#queue]
    c.#pinned.push(...this.#pinned)
    c.#phase = this.#phase
    c.#retries = this.#retries
    c.#fellBack = this.#fellBack
    c.#last = this.#last
    return c
  }

  /** Canonical text of everything that decides the plan's next actions (spec, strategy and settings excepted: fixed per copy). */
  stateKey(): string {
    return `${this.#phase}.${this.#retries}${this.#fellBack ? 'F' : ''}|${this.#pinned.join(',')}|${this.#queue.map(actionKey).join(',')}|${this.#last === null ? '' : actionKey(this.#last)}`
  }

  /** The first action (result null) or the next one after `result` of the previous action. */
  next(result: CopyResult | null): CopyAction {
    const last = this.#last
    if (last === null) {
      if (result !== null) throw new Error('copy plan: a result before the first action')
    } else {
      if (result === null) throw new Error(`copy plan: no result for ${last.type}`)
      if (result.type === 'busy' && !(last.type === 'pin' && last.try)) throw new Error(`copy plan: busy result for ${last.type}`)
      this.#absorb(last, result)
    }
    const action = this.#decide()
    this.#last = action
    if (action.type === 'unpin') {
      const top = this.#pinned.pop()
      if (top !== action.unit) throw new Error(`copy plan: unpin ${action.unit} out of order (top ${top})`)
    }
    return action
  }

  #absorb(last: CopyAction, result: CopyResult): void {
    if (last.type !== 'pin') return
    if (result.type === 'ok') {
      this.#pinned.push(last.unit)
      return
    }
    // Retry: the source is not available. Let go of everything (a pending callback on the
    // destination may run meanwhile), back off, fault the whole source in without holding
    // anything (as GFS2 faults in the user buffer), then start over at once, while the source
    // locks are most likely still cached.
    this.#retries++
    this.#queue = this.#pinned.slice().reverse().map((unit) => ({type: 'unpin', unit}))
    const cap = Math.min(BACKOFF_MAX_US, BACKOFF_BASE_US * 2 ** Math.min(this.#retries - 1, 16))
    const jitter = this.#jitter()
    if (!(jitter >= 0 && jitter < 1)) throw new Error(`copy plan: jitter ${jitter} is not in [0, 1)`)
    this.#queue.push({type: 'backoff', us: Math.round(cap * (0.5 + jitter / 2))})
    for (const n of this.#sourceNeeds(this.#destNeeds())) this.#queue.push({type: 'fault-in', page: n.page})
    this.#phase = 'start'
    if (this.#retries >= this.#retryLimit) this.#fellBack = true
  }

  #decide(): CopyAction {
    const queued = this.#queue.shift()
    if (queued !== undefined) return queued
    switch (this.#phase) {
      case 'start':
        this.#queue = this.#lockActions()
        this.#phase = 'copy'
        return this.#decide()
      case 'copy':
        this.#queue = this.#copyActions()
        this.#queue.push(...this.#pinned.slice().reverse().map((unit): CopyAction => ({type: 'unpin', unit})))
        this.#phase = 'released'
        return this.#decide()
      case 'released':
        this.#phase = 'done'
        return {type: 'done', retries: this.#retries, fellBack: this.#fellBack}
      default:
        throw new Error(`copy plan: next after done`)
    }
  }

  /** The lock-taking actions of the strategy (the copy's reads and writes come after them). */
  #lockActions(): CopyAction[] {
    const dest = this.#destNeeds()
    const src = this.#sourceNeeds(dest)
    const pin = (n: Need, tryOnly = false): CopyAction => ({type: 'pin', unit: n.unit, mode: n.mode, page: n.page, try: tryOnly})
    const strategy = this.#fellBack ? 'ordered' : this.#strategy
    switch (strategy) {
      case 'naive':
        // The destination, in the copy's own order; the source is faulted in by the reads.
        return dest.map((n) => pin(n))
      case 'ordered':
        return [...dest, ...src].sort((a, b) => comparePages(a.page, b.page)).map((n) => pin(n))
      case 'retry':
        return [...sorted(dest).map((n) => pin(n)), ...sorted(src).map((n) => pin(n, true))]
    }
  }

  #copyActions(): CopyAction[] {
    const out: CopyAction[] = []
    for (let i = 0; i < this.#spec.pages; i++) {
      out.push({type: 'read', page: {file: this.#spec.from.file, page: this.#spec.from.page + i}, index: i})
      out.push({type: 'write', page: {file: this.#spec.to.file, page: this.#spec.to.page + i}, index: i})
    }
    return out
  }

  #destNeeds(): Need[] {
    const needs = new Map<UnitId, Need>()
    for (let i = 0; i < this.#spec.pages; i++) {
      const page = {file: this.#spec.to.file, page: this.#spec.to.page + i}
      const unit = unitOf(page, this.#settings.granularity)
      if (!needs.has(unit)) needs.set(unit, {unit, mode: 'EX', page})
    }
    return [...needs.values()]
  }

  /** Source units not already covered by a destination pin (EX covers SH). */
  #sourceNeeds(dest: readonly Need[]): Need[] {
    const mode: HeldMode = this.#settings.states === 'exclusive' ? 'EX' : 'SH'
    const taken = new Set(dest.map((n) => n.unit))
    const needs = new Map<UnitId, Need>()
    for (let i = 0; i < this.#spec.pages; i++) {
      const page = {file: this.#spec.from.file, page: this.#spec.from.page + i}
      const unit = unitOf(page, this.#settings.granularity)
      if (!taken.has(unit) && !needs.has(unit)) needs.set(unit, {unit, mode, page})
    }
    return [...needs.values()]
  }
}

function sorted(needs: readonly Need[]): Need[] {
  return [...needs].sort((a, b) => comparePages(a.page, b.page))
}

function actionKey(a: CopyAction): string {
  switch (a.type) {
    case 'pin':
      return `p${a.unit}${a.mode}${a.try ? 't' : ''}`
    case 'unpin':
      return `u${a.unit}`
    case 'read':
    case 'write':
      return `${a.type[0]}${a.index}`
    case 'fault-in':
      return `f${a.page.file}/${a.page.page}`
    case 'backoff':
      return `b${a.us}`
    case 'done':
      return 'd'
  }
}
