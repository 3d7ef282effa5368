// The real runtime of one node: feeds the pure NodeCore with the application's accesses, the
// manager's replies and stream messages, and performs the effects it returns against Redis.
// The core is never re-entered: step() is synchronous and every completion comes back as a
// new input from an async callback.
import {NodeCore} from '../protocol/node-core.js'
import type {
  AccessKind, FaultClass, HeldMode, ManagerRequest, NodeEffect, NodeInput, NodeMessage, PageBytes, PageRef,
  ProtocolSettings, RequestId, UnitId,
} from '../protocol/types.js'
import type {LockManager, OutboxEntry} from '../records/lock-manager.js'
import type {NodeCounters} from '../records/counters.js'
import type {LockEntry, TraceEntry} from '../records/history.js'
import {replyPages, requestRecord, type RequestLogEntry} from '../records/request-log.js'
import type {BreakVariant} from '../protocol/break.js'
import {replyInput} from '../protocol/types.js'
import type {HandoffStep} from './handoff-trace.js'

export interface AccessResult {
  readonly data: PageBytes
  readonly fault: FaultClass
}

interface Waiter<T> {
  resolve(value: T): void
  reject(error: Error): void
}

export interface NodeRuntimeOptions {
  readonly node: number
  readonly settings: ProtocolSettings
  readonly manager: LockManager
  readonly counters: NodeCounters
  /** Microseconds, monotonic: the true clock, for the times recorded (trace, lock log). */
  readonly clock: () => number
  /**
   * The protocol's clock (hold time, timers), in microseconds; default `clock`. Differs under
   * clock skew (a chaos fault): the node's timing changes, what it records does not.
   */
  readonly protocolClock?: () => number
  /**
   * The time stamped on the records (trace, lock log, request log); default `clock`. A node
   * process stamps them as its history, in ns since the run's start, so they go out as made.
   */
  readonly recordClock?: () => number
  /** Receives every page-table change (the coherence trace). */
  readonly onTrace: (entry: TraceEntry) => void
  /**
   * The incarnation's lease (src/node/lease.ts). When its deadline has passed, no access, pin or
   * sync completes until a renewal succeeds: a paused node must not return what it may no
   * longer hold. A lost lease fails the operation (it stays `info` in the history).
   */
  readonly lease?: {valid(): boolean; confirm(): Promise<boolean>}
  /**
   * What the node recorded (history, trace, lock log) and has not posted yet, as outbox entries:
   * every demote and write-back carries them (LockManager.send), so they reach Redis in the same
   * atomic step, before others can act on it. A node killed right after a write-back or a release
   * must not leave a value on disk, or a lock released, unrecorded.
   */
  readonly takeRecords?: () => readonly OutboxEntry[]
  /** A write-back carrying pages was refused (`stale`): fencing at work, for events.jsonl. */
  readonly onFenced?: (request: ManagerRequest, rejected: number) => void
  /** Receives every change of this node's locks (the coherence checker's hold intervals); `time` on `recordClock`. */
  readonly onLock?: (entry: LockEntry) => void
  /** Receives every request sent, reply read, callback received and answered (requests.jsonl, the timeline's). */
  readonly onRequest?: (entry: RequestLogEntry) => void
  /**
   * The run's --break variant deviated `n` more times. Counted in Redis beside the manager
   * scripts' own count, so a killed incarnation's deviations are not lost with its counters.
   */
  readonly onBreakFired?: (n: number) => void
  /** A deliberately broken variant (`--break`), for the node-side ones. */
  readonly breakVariant?: BreakVariant | null
  /** Steps of lock handoffs, timestamped on `clock` (the benchmark's critical path; src/node/handoff-trace.ts). */
  readonly onStep?: (step: HandoffStep, unit: UnitId, atUs: number) => void
  /** A deadlock the manager found that involves this node (the run's policy acts on it). */
  readonly onDeadlock?: (notice: DeadlockNotice) => void
}

export type DeadlockNotice = Extract<NodeEffect, {type: 'deadlock'}>

/** An access or pin that ended without its lock: its wait was abandoned to break a deadlock. */
export class LockAbandonedError extends Error {
  constructor(readonly unit: UnitId) {
    super(`gave up waiting for ${unit} to break a deadlock`)
    this.name = 'LockAbandonedError'
  }
}

export class NodeRuntime {
  readonly core: NodeCore
  private nextId: RequestId = 1
  /** The core's deviations (--break) already reported through onBreakFired. */
  private coreBreakReported = 0
  private readonly accesses = new Map<RequestId, Waiter<AccessResult>>()
  private readonly pins = new Map<RequestId, Waiter<FaultClass | 'busy'>>()
  private readonly syncs = new Map<RequestId, Waiter<number>>()
  private timer: NodeJS.Timeout | null = null
  private timerAt = Infinity
  private readonly wakes = new Set<number>()
  private failure: Error | null = null

  constructor(private readonly options: NodeRuntimeOptions) {
    this.core = new NodeCore({...options.settings, node: options.node, breakVariant: options.breakVariant ?? null})
  }

  access(page: PageRef, kind: AccessKind, data: PageBytes | null): Promise<AccessResult> {
    const id = this.nextId++
    const done = this.wait(this.accesses, id)
    this.options.counters.accesses++
    this.feed({type: 'access', id, page, kind, data})
    return done
  }

  pin(unit: UnitId, mode: HeldMode, page: PageRef): Promise<FaultClass> {
    return this.pinning(unit, mode, page, false) as Promise<FaultClass>
  }

  /** A pin only if the lock can be had at once; `busy` otherwise (nothing held or queued). */
  tryPin(unit: UnitId, mode: HeldMode, page: PageRef): Promise<FaultClass | 'busy'> {
    return this.pinning(unit, mode, page, true)
  }

  private pinning(unit: UnitId, mode: HeldMode, page: PageRef, tryOnly: boolean): Promise<FaultClass | 'busy'> {
    const id = this.nextId++
    const done = this.wait(this.pins, id)
    this.feed({type: 'pin', id, unit, mode, page, try: tryOnly})
    return done
  }

  /** Stop waiting for `unit` (break a deadlock): the ops waiting for it fail with LockAbandonedError. */
  abandon(unit: UnitId): void {
    this.feed({type: 'abandon', unit})
  }

  unpin(unit: UnitId): void {
    this.feed({type: 'unpin', unit})
  }

  sync(unit: UnitId): Promise<number> {
    const id = this.nextId++
    const done = this.wait(this.syncs, id)
    this.feed({type: 'sync', id, unit})
    return done
  }

  /** A grant or callback read from this node's inbox stream. */
  deliver(message: NodeMessage): void {
    if (this.options.onStep && (message.type === 'grant' || message.type === 'callback')) this.options.onStep(message.type, message.unit, this.options.clock())
    if (message.type === 'grant') {
      this.options.counters.grantsByMessage++
      this.lock(message.unit, message.upgrade ? 'upgrade' : 'grant', message.mode, message.seq, message.generation)
    }
    if (message.type === 'callback') this.record({unit: message.unit, event: 'callback', kind: message.kind, seq: message.seq})
    this.feed({type: 'message', message})
  }

  /** Fails every pending operation (Redis lost, stop requested): nothing may wait forever. */
  fail(error: Error): void {
    if (this.failure) return
    this.failure = error
    if (this.timer) clearTimeout(this.timer)
    for (const table of [this.accesses, this.pins, this.syncs] as Map<RequestId, Waiter<never>>[]) {
      for (const w of table.values()) w.reject(error)
      table.clear()
    }
  }

  private wait<T>(table: Map<RequestId, Waiter<T>>, id: RequestId): Promise<T> {
    if (this.failure) return Promise.reject(this.failure)
    return new Promise<T>((resolve, reject) => table.set(id, {resolve, reject}))
  }

  private feed(input: NodeInput): void {
    if (this.failure) return
    let effects: NodeEffect[]
    try {
      effects = this.core.step(this.protocolNow(), input)
    } catch (error) {
      this.fail(error as Error)
      return
    }
    if (this.core.breakFired > this.coreBreakReported) {
      this.options.onBreakFired?.(this.core.breakFired - this.coreBreakReported)
      this.coreBreakReported = this.core.breakFired
    }
    for (const effect of effects) this.perform(effect)
  }

  private perform(effect: NodeEffect): void {
    const c = this.options.counters
    switch (effect.type) {
      case 'send': {
        const r = effect.request
        if (r.type === 'demote') this.lock(r.unit, r.to === 'UN' ? 'release' : 'downgrade', r.to, r.seq, r.generation)
        this.record(requestRecord(r))
        c.redisRoundTrips++
        c.requests[effect.request.type]++
        if (this.options.onStep) this.step(r)
        this.send(effect.request)
        return
      }
      case 'read-disk': {
        c.redisRoundTrips++
        c.diskReads++
        this.options.manager.readDisk(effect.page).then(
          (page) => this.feed({type: 'disk-read', page}),
          (error: Error) => this.fail(error),
        )
        return
      }
      case 'wake':
        this.wakeAt(effect.at)
        return
      case 'pte':
        this.options.onTrace({
          time: this.recordNow(), node: this.options.node, key: `${effect.page.file}/${effect.page.page}`,
          from: effect.from, to: effect.to, unit: effect.unit, seq: effect.seq, generation: effect.generation,
        })
        return
      case 'access-done': {
        if (effect.fault === 'after-callback') this.options.onStep?.('done', '', this.options.clock())
        // Counted when the worker gets it, which records its latency under the same class: an
        // access a lost lease fails never completes, so it is in neither (it was counted here and
        // in no histogram, a lease-lost incarnation's fault counts one above its histograms').
        this.settleLeased(this.accesses, effect.id, {data: effect.data, fault: effect.fault}, this.countFault)
        return
      }
      case 'pinned':
        this.settleLeased(this.pins, effect.id, effect.fault)
        return
      case 'synced':
        c.pagesWrittenBack += effect.pages
        this.settleLeased(this.syncs, effect.id, effect.pages)
        return
      case 'callback-done':
        c.callbacks[effect.kind]++
        c.pagesWrittenBack += effect.wroteBack
        this.record({unit: effect.unit, event: 'answered', kind: effect.kind, pages: effect.wroteBack})
        return
      case 'pin-busy':
        settle(this.pins, effect.id, 'busy')
        return
      case 'failed': {
        const table = (effect.op === 'access' ? this.accesses : this.pins) as Map<RequestId, Waiter<never>>
        const w = table.get(effect.id)
        if (!w) throw new Error(`failure for unknown request ${effect.id}`)
        table.delete(effect.id)
        w.reject(new LockAbandonedError(effect.unit))
        return
      }
      case 'deadlock':
        this.options.onDeadlock?.(effect)
        return
      default: {
        const never: never = effect
        throw new Error(`unknown effect ${JSON.stringify(never)}`)
      }
    }
  }

  /** An access's fault, counted as the worker receives it (a bound method: no closure per access). */
  private readonly countFault = (done: {readonly fault: FaultClass}): void => {
    this.options.counters.faults[done.fault]++
  }

  /** settle(), but only under a lease known to be alive (see `lease` in the options); `onSettled` runs only if it does settle. */
  private settleLeased<T>(table: Map<RequestId, Waiter<T>>, id: RequestId, value: T, onSettled?: (value: T) => void): void {
    const lease = this.options.lease
    if (lease === undefined || lease.valid()) return settleWith(table, id, value, onSettled)
    // no-lease-guard (broken): completes on a lapsed lease, from a cache it may no longer own.
    if (this.options.breakVariant === 'no-lease-guard') {
      this.options.onBreakFired?.(1)
      return settleWith(table, id, value, onSettled)
    }
    lease.confirm().then(
      (ok) => {
        if (this.failure || !table.has(id)) return
        if (ok) settleWith(table, id, value, onSettled)
        else this.fail(new Error('lease lost: the node may no longer hold its locks'))
      },
      (error: Error) => this.fail(error),
    )
  }

  private send(request: ManagerRequest): void {
    // Every demote (a release or downgrade others will be granted after) and every write-back.
    const carries = request.type === 'demote' || (request.type === 'writeback' && request.writeback.length > 0)
    this.options.manager.send(request, carries ? this.options.takeRecords?.() : undefined).then(
      (reply) => {
        const c = this.options.counters
        if (reply.type === 'refused') c.upgradesRefused++
        if (reply.type === 'stale') c.staleReplies++
        if (reply.type === 'stale' && reply.rejected > 0) this.options.onFenced?.(request, reply.rejected)
        if (reply.type === 'granted' && (request.type === 'acquire' || request.type === 'upgrade')) this.options.onStep?.('grant', request.unit, this.options.clock())
        const pages = replyPages(reply)
        this.record({unit: request.unit, event: 'reply', request: request.type, reply: reply.type, ...(pages === undefined ? {} : {pages})})
        if (reply.type === 'granted') this.lock(request.unit, request.type === 'upgrade' ? 'upgrade' : 'grant', reply.mode, reply.seq, reply.generation)
        this.feed(replyInput(request.unit, request.type, reply))
        // A stale writeback (or demote to SH) made the core drop the hold it thought it had (after unmapping).
        const lost = request.type === 'writeback' || (request.type === 'demote' && request.to === 'SH')
        if (reply.type === 'stale' && lost) this.lock(request.unit, 'lost', 'UN', request.seq, request.generation)
      },
      (error: Error) => this.fail(error),
    )
  }

  private protocolNow(): number {
    return (this.options.protocolClock ?? this.options.clock)()
  }

  private step(r: ManagerRequest): void {
    if (r.type === 'acquire' || r.type === 'upgrade') this.options.onStep!('request', r.unit, this.options.clock())
    else if (r.type === 'demote') this.options.onStep!('writeback', r.unit, this.options.clock())
  }

  private lock(unit: UnitId, event: LockEntry['event'], mode: LockEntry['mode'], seq: number, generation: number): void {
    this.options.onLock?.({time: this.recordNow(), node: this.options.node, unit, event, mode, seq, generation})
  }

  private record(entry: DistributiveOmit<RequestLogEntry, 'time' | 'node'>): void {
    this.options.onRequest?.({...entry, time: this.recordNow(), node: this.options.node} as RequestLogEntry)
  }

  private recordNow(): number {
    return (this.options.recordClock ?? this.options.clock)()
  }

  private wakeAt(at: number): void {
    // Keep every requested time: the core asks once per deferred callback, so a later wake
    // dropped here because an earlier timer was set would never be asked for again.
    if (this.wakes.size >= MAX_WAKES) {
      this.fail(new Error(`node ${this.options.node}: more than ${MAX_WAKES} pending wake-ups`))
      return
    }
    this.wakes.add(at)
    if (at < this.timerAt) this.armTimer(at)
  }

  private armTimer(at: number): void {
    if (this.timer) clearTimeout(this.timer)
    this.timerAt = at
    const delayMs = Math.max(0, (at - this.protocolNow()) / 1000)
    this.timer = setTimeout(() => {
      this.timer = null
      this.timerAt = Infinity
      const now = this.protocolNow()
      for (const w of this.wakes) if (w <= now) this.wakes.delete(w)
      this.feed({type: 'timer'})
      if (this.failure === null && this.wakes.size > 0 && this.timer === null) {
        let next = Infinity
        for (const w of this.wakes) next = Math.min(next, w)
        this.armTimer(next)
      }
    }, Math.ceil(delayMs))
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

/** Wake-ups pending at once: one per unit with a deferred callback, so a few per unit at most. */
const MAX_WAKES = 100_000

function settle<T>(table: Map<RequestId, Waiter<T>>, id: RequestId, value: T): void {
  const w = table.get(id)
  if (!w) throw new Error(`completion for unknown request ${id}`)
  table.delete(id)
  w.resolve(value)
}

function settleWith<T>(table: Map<RequestId, Waiter<T>>, id: RequestId, value: T, onSettled: ((value: T) => void) | undefined): void {
  onSettled?.(value)
  settle(table, id, value)
}
