// The node side of the protocol (docs/PROTOCOL.md, "A node"): the fault handler and the lock
// daemon of one node, as a pure state machine. The runtime feeds inputs (accesses, manager replies
// and messages, disk reads, timers) with the current time and performs the effects it returns.
// No I/O, no clock, no randomness: the same inputs always give the same effects, so a simulation
// can replay a failing seed exactly.
import type {BreakVariant} from './break.js'
import {invariant} from './errors.js'
import {isGranted, lockMove, type LockEvent, type LockNext} from './lock-phase.js'
import {worseClass} from './node-fault-class.js'
import {checkUnit} from './node-invariants.js'
import {cloneUnit, PLAIN_KEY_TEXT, unitKey, type KeyText} from './node-core-state.js'
import {
  holdersOf,
  isIdle,
  newUnit,
  snapshotOf,
  type AccessOp,
  type CallbackKind,
  type Inflight,
  type LockInflight,
  type NodeOp,
  type PageSlot,
  type PinOp,
  type UnitSnapshot,
  type UnitState,
} from './node-unit.js'
import {
  pageKey,
  parsePageKey,
  unitOf,
  type AccessKind,
  type DiskPage,
  type FaultClass,
  type HeldMode,
  type LockMode,
  type ManagerReply,
  type ManagerRequest,
  type NodeEffect,
  type NodeId,
  type NodeInput,
  type NodeMessage,
  type PageBytes,
  type PageRef,
  type ProtocolSettings,
  type ReplyInput,
  type PteState,
  type UnitId,
  type Writeback,
} from './types.js'

export type {UnitSnapshot} from './node-unit.js'

export interface NodeCoreConfig extends ProtocolSettings {
  readonly node: NodeId
  /** A deliberately broken variant (`--break`); only the node-side ones change the core. */
  readonly breakVariant?: BreakVariant | null
}

/** What evaluating a parked operation did: finished it, or it must stay parked. */
type Outcome = 'done' | 'wait' | 'disk'

type Input<T extends NodeInput['type']> = Extract<NodeInput, {type: T}>

export class NodeCore {
  readonly #cfg: NodeCoreConfig
  readonly #units = new Map<UnitId, UnitState>()
  /** `kind:id` of every access, pin and sync in progress: a reused id is a runtime bug. */
  readonly #active = new Set<number | string>()
  #now = Number.NEGATIVE_INFINITY
  /** Effects of the step being run. */
  #out: NodeEffect[] = []
  /**
   * Broken variants only: mappings a `skip-invalidate` release left in the MMU (page key ->
   * PTE and the bytes it maps), and pages a `stale-read` release kept cached without a lock.
   */
  readonly #leftMapped = new Map<string, {pte: PteState; data: PageBytes}>()
  readonly #staleCache = new Map<string, PageBytes>()
  #breakFired = 0

  /** Times this core took its broken variant's deviation (dropped dirty pages, left a mapping, served a read without its lock). */
  get breakFired(): number {
    return this.#breakFired
  }

  constructor(config: NodeCoreConfig) {
    invariant(Number.isInteger(config.pageSize) && config.pageSize > 0, `bad pageSize ${config.pageSize}`)
    invariant(Number.isFinite(config.holdTimeUs) && config.holdTimeUs >= 0, `bad holdTimeUs ${config.holdTimeUs}`)
    invariant(Number.isInteger(config.node), `bad node id ${config.node}`)
    this.#cfg = {...config}
  }

  /** Feed one input at time `now` (microseconds, monotonic, supplied by the runtime); returns the effects to perform, in order. */
  step(now: number, input: NodeInput): NodeEffect[] {
    invariant(Number.isFinite(now) && now >= this.#now, () => `node ${this.#cfg.node}: time went from ${this.#now} back to ${now}`)
    this.#now = now
    const out: NodeEffect[] = []
    this.#out = out
    switch (input.type) {
      case 'access':
        this.#onAccess(input)
        break
      case 'pin':
        this.#onPin(input)
        break
      case 'unpin':
        this.#onUnpin(input)
        break
      case 'sync':
        this.#onSync(input)
        break
      case 'reply':
        this.#onReply(input)
        break
      case 'message':
        this.#onMessage(input.message)
        break
      case 'disk-read':
        this.#onDiskRead(input.page)
        break
      case 'timer':
        for (const u of this.#units.values()) {
          if (u.callback === null) continue
          // The runtime keeps one timer (the earliest wake): a unit whose due time is still ahead
          // must ask again, or its callback waits forever (a stuck run under holdTime > 0).
          u.wakeAt = null
          this.#pump(u)
        }
        break
      case 'abandon':
        this.#onAbandon(input.unit)
        break
    }
    this.#out = []
    return out
  }

  heldMode(unit: UnitId): LockMode {
    return this.#units.get(unit)?.mode ?? 'UN'
  }

  pte(page: PageRef): PteState {
    return this.#slotOf(page)?.pte ?? 'none'
  }

  /**
   * What the MMU maps for the page: the PTE, or (broken `skip-invalidate` only) a mapping a
   * release left behind, which `pte` no longer shows. The model's coherence oracle checks this.
   */
  mapping(page: PageRef): PteState {
    const pte = this.pte(page)
    if (pte !== 'none' || this.#leftMapped.size === 0) return pte
    return this.#leftMapped.get(pageKey(page))?.pte ?? 'none'
  }

  cached(page: PageRef): {data: PageBytes; dirty: boolean} | null {
    const slot = this.#slotOf(page)
    return slot?.data ? {data: slot.data, dirty: slot.dirty} : null
  }

  /** Units with anything going on (held, cached, in flight, waited on), in first-touch order. */
  snapshot(): UnitSnapshot[] {
    return [...this.#units.values()].filter((u) => !isIdle(u)).map(snapshotOf)
  }

  /** Deep copy with the same config: the model checker (src/sim/) branches from copies. */
  clone(): NodeCore {
    const c = new NodeCore(this.#cfg)
    c.#now = this.#now
    for (const key of this.#active) c.#active.add(key)
    for (const [id, u] of this.#units) c.#units.set(id, cloneUnit(u))
    for (const [key, m] of this.#leftMapped) c.#leftMapped.set(key, {...m})
    for (const [key, data] of this.#staleCache) c.#staleCache.set(key, data)
    return c
  }

  /**
   * Canonical text of the whole state (src/sim/ merges states with equal keys). Idle units are
   * left out; the active set is sorted (only membership matters to the core).
   */
  stateKey(text: KeyText = PLAIN_KEY_TEXT): string {
    let s = `${this.#now}|${this.#active.size === 0 ? '' : [...this.#active].sort().join(',')}`
    for (const u of this.#units.values()) if (!isIdle(u) || u.seq > 0) s += `\n${unitKey(u, text)}`
    for (const [key, m] of this.#leftMapped) s += `\nleft ${key}:${m.pte}:${text.stamp(m.data)}`
    for (const [key, data] of this.#staleCache) s += `\nstale ${key}:${text.stamp(data)}`
    return s
  }

  /** Throws if a local invariant is broken. Tests call it after every step. */
  assertInvariants(): void {
    let inProgress = 0
    for (const u of this.#units.values()) {
      checkUnit(this.#cfg.node, u, this.#cfg.granularity, this.#cfg.pageSize)
      inProgress += u.waiting.length
      for (const read of u.reading.values()) inProgress += read.ops.length
      if (u.inflight?.request === 'writeback') inProgress++
    }
    invariant(inProgress === this.#active.size, `node ${this.#cfg.node}: ${this.#active.size} operations started but ${inProgress} accounted for`)
  }

  // ---------------------------------------------------------------------------------------------
  // Inputs

  #onAccess(input: Input<'access'>): void {
    this.#checkPage(input.page)
    if (input.kind === 'write') {
      invariant(input.data !== null && input.data.length === this.#cfg.pageSize, () => `node ${this.#cfg.node}: write ${input.id} must carry a full page of ${this.#cfg.pageSize} bytes`)
    } else {
      invariant(input.data === null, () => `node ${this.#cfg.node}: read ${input.id} carries data`)
    }
    this.#begin('access', input.id)
    const u = this.#unit(unitOf(input.page, this.#cfg.granularity))
    const op: AccessOp = {kind: 'access', id: input.id, page: input.page, access: input.kind, data: input.data?.slice() ?? null, cls: 'hit'}
    const slot = u.pages.get(pageKey(input.page))
    if (slot !== undefined && allows(slot.pte, op.access)) {
      // The MMU lets it through: no fault, whatever the lock daemon is doing meanwhile.
      this.#completeAccess(u, op)
      return
    }
    if (this.#brokenAccess(u, op)) return
    op.cls = 'cached-lock'
    u.waiting.push(op)
    this.#pump(u)
  }

  #onPin(input: Input<'pin'>): void {
    this.#checkPage(input.page)
    invariant(unitOf(input.page, this.#cfg.granularity) === input.unit, `node ${this.#cfg.node}: pin ${input.id} of ${input.unit} names page ${pageKey(input.page)} of another unit`)
    this.#begin('pin', input.id)
    const u = this.#unit(input.unit)
    u.waiting.push({kind: 'pin', id: input.id, mode: input.mode, page: input.page, try: input.try === true, cls: 'cached-lock'})
    this.#pump(u)
  }

  #onUnpin(input: Input<'unpin'>): void {
    const u = this.#units.get(input.unit)
    invariant(u !== undefined && u.pins.length > 0, `node ${this.#cfg.node}: unpin of ${input.unit}, which is not pinned`)
    u.pins.pop()
    this.#pump(u)
  }

  #onSync(input: Input<'sync'>): void {
    this.#begin('sync', input.id)
    const u = this.#unit(input.unit)
    u.waiting.push({kind: 'sync', id: input.id})
    this.#pump(u)
  }

  #onReply(input: ReplyInput): void {
    // A defer is a notice outside the one-request-per-unit slot: its reply needs no action.
    if (input.request === 'defer') return
    if (input.request === 'cancel') {
      this.#cancelReply(input.unit, input.reply)
      return
    }
    const u = this.#units.get(input.unit)
    const f = u?.inflight
    invariant(u !== undefined && f != null, () => `node ${this.#cfg.node}: ${input.request} reply ${input.reply.type} for ${input.unit}, which has no request in flight`)
    const mismatch = (): string => `node ${this.#cfg.node}: ${input.request} reply for ${u.id}, but the request in flight is ${f.request}`
    invariant(f.request === input.request, mismatch)
    switch (input.request) {
      case 'acquire':
      case 'upgrade':
        invariant(f.request === 'acquire' || f.request === 'upgrade', mismatch)
        this.#lockReply(u, f, input.reply)
        break
      case 'demote':
        invariant(f.request === 'demote', mismatch)
        this.#demoteReply(u, f, input.reply)
        break
      case 'writeback':
        invariant(f.request === 'writeback', mismatch)
        this.#writebackReply(u, f, input.reply)
        break
    }
    this.#pump(u)
  }

  #lockReply(u: UnitState, f: LockInflight, r: ManagerReply<'acquire' | 'upgrade'>): void {
    const where = `node ${this.#cfg.node} unit ${u.id}`
    switch (r.type) {
      case 'granted':
        this.#enter(u, f, this.#next(f, 'reply-granted', () => `${where}: ${f.request} granted twice`))
        if (f.request === 'acquire') {
          invariant(r.mode === f.mode, () => `${where}: asked for ${f.mode}, granted ${r.mode}`)
          this.#applyGrant(u, r.mode, r.seq, r.generation, r.page)
          this.#settle(u, 'acquired')
        } else {
          invariant(r.mode === 'EX' && r.seq === u.seq && r.page === null, `${where}: bad upgrade grant ${r.mode} seq ${r.seq} (held seq ${u.seq})`)
          this.#applyUpgrade(u, r.generation)
          this.#settle(u, 'upgrade')
        }
        return
      case 'queued':
        // A grant message may have overtaken this reply: then the request is over.
        this.#enter(u, f, this.#next(f, 'reply-queued', () => `${where}: two replies to one ${f.request}`))
        return
      case 'busy': {
        invariant(f.request === 'acquire' && f.tryPin !== undefined, `${where}: busy reply to a ${f.request} that was not a try`)
        this.#enter(u, f, this.#next(f, 'reply-busy', () => `${where}: busy reply to a try that was ${f.phase}`))
        const id = f.tryPin
        const i = u.waiting.findIndex((op) => op.kind === 'pin' && op.id === id)
        invariant(i >= 0, `${where}: try pin ${id} is not waiting`)
        u.waiting.splice(i, 1)
        this.#out.push({type: 'pin-busy', id})
        this.#finish('pin', id)
        return
      }
      case 'refused':
        invariant(f.request === 'upgrade', `${where}: ${f.request} refused (${r.reason})`)
        this.#enter(u, f, this.#next(f, 'reply-refused', () => `${where}: upgrade refused (${r.reason}) while ${f.phase}`))
        this.#settle(u, 'upgrade')
        // Invalidate, drop SH and ask for EX afresh; #pump does it (it waits for SH pins to go).
        u.dropAfterRefusal = true
        return
    }
  }

  /** The phase `event` moves `f` to; a broken invariant if `event` cannot happen in `f`'s phase. */
  #next(f: LockInflight, event: LockEvent, why: () => string): LockNext {
    const next = lockMove(f.phase, event)
    invariant(next !== undefined, why)
    return next
  }

  /** `done` frees the request slot; entering `cancelling` sends the cancel (once: abandon is a no-op there). */
  #enter(u: UnitState, f: LockInflight, next: LockNext): void {
    if (next === 'done') {
      u.inflight = null
      return
    }
    const sendCancel = next === 'cancelling' && f.phase !== 'cancelling'
    f.phase = next
    if (sendCancel) this.#send({type: 'cancel', node: this.#cfg.node, unit: u.id})
  }

  #demoteReply(u: UnitState, f: Extract<Inflight, {request: 'demote'}>, r: ManagerReply<'demote'>): void {
    const where = `node ${this.#cfg.node} unit ${u.id}`
    let wroteBack: number
    if (r.type === 'demoted') {
      invariant(r.accepted === f.offered, `${where}: demote wrote ${r.accepted} of ${f.offered} pages`)
      wroteBack = r.accepted
      u.inflight = null
    } else {
      // The manager no longer knows this hold (fenced): whatever we kept is not covered by a lock.
      wroteBack = 0
      u.inflight = null
      if (f.to === 'SH') this.#lose(u)
    }
    if (f.reason.kind === 'callback') {
      this.#out.push({type: 'callback-done', unit: u.id, kind: f.reason.callback, wroteBack})
      this.#settle(u, 'after-callback')
    }
  }

  #writebackReply(u: UnitState, f: Extract<Inflight, {request: 'writeback'}>, r: ManagerReply<'writeback'>): void {
    const where = `node ${this.#cfg.node} unit ${u.id}`
    u.inflight = null
    if (r.type === 'written') {
      invariant(r.accepted === f.offered, `${where}: msync wrote ${r.accepted} of ${f.offered} pages`)
      this.#out.push({type: 'synced', id: f.sync, pages: r.accepted})
    } else {
      this.#lose(u)
      this.#out.push({type: 'synced', id: f.sync, pages: 0})
    }
    this.#finish('sync', f.sync)
  }

  #onMessage(m: NodeMessage): void {
    if (m.type === 'deadlock') {
      // What to do about it is the run's policy, not the protocol's: the runtime decides.
      this.#out.push({type: 'deadlock', unit: m.unit, id: m.id, victim: m.victim, cycle: m.cycle})
      return
    }
    if (m.type === 'callback') {
      this.#onCallback(m)
      return
    }
    const u = this.#units.get(m.unit)
    const f = u?.inflight
    const where = `node ${this.#cfg.node} unit ${m.unit}`
    // The reply travels on another connection: until it is read the request slot stays taken
    // (and until the reply of a cancel sent meanwhile is read).
    const waiting = m.upgrade ? 'upgrade' : 'acquire'
    const next = u !== undefined && f?.request === waiting ? lockMove(f.phase, 'grant') : undefined
    if (m.upgrade) {
      invariant(u !== undefined && f?.request === 'upgrade' && next !== undefined, `${where}: upgrade grant, but no upgrade is waiting`)
      invariant(m.mode === 'EX' && m.seq === u.seq && m.page === null, `${where}: bad upgrade grant ${m.mode} seq ${m.seq} (held seq ${u.seq})`)
      this.#applyUpgrade(u, m.generation)
      this.#settle(u, 'upgrade')
      this.#enter(u, f, next)
    } else {
      invariant(u !== undefined && f?.request === 'acquire' && next !== undefined, `${where}: grant seq ${m.seq}, but no acquire is waiting`)
      invariant(m.mode === f.mode, `${where}: asked for ${f.mode}, granted ${m.mode}`)
      this.#applyGrant(u, m.mode, m.seq, m.generation, m.page)
      this.#settle(u, 'after-callback')
      this.#enter(u, f, next)
    }
    this.#pump(u)
  }

  /** Give up a queued request (a deadlock broken here): cancel it once its `queued` reply is read. */
  #onAbandon(unit: UnitId): void {
    const u = this.#units.get(unit)
    const f = u?.inflight
    // Nothing to give up: the wait ended (or became another request) before the runtime heard of the deadlock.
    if (u === undefined || f == null || (f.request !== 'acquire' && f.request !== 'upgrade')) return
    this.#enter(u, f, this.#next(f, 'abandon', () => `node ${this.#cfg.node} unit ${unit}: abandon while ${f.phase}`))
  }

  #cancelReply(unit: UnitId, r: ManagerReply<'cancel'>): void {
    const u = this.#units.get(unit)
    const f = u?.inflight
    const where = `node ${this.#cfg.node} unit ${unit}`
    const lock = f?.request === 'acquire' || f?.request === 'upgrade' ? f : null
    invariant(u !== undefined && (lock?.phase === 'cancelling' || lock?.phase === 'cancelling-granted'), `${where}: cancel reply ${r.type}, but no cancel was sent`)
    if (r.type === 'cancelled') {
      this.#enter(u, lock, this.#next(lock, 'cancelled', () => `${where}: cancelled after its grant arrived`))
      // Everything parked here waited for the abandoned lock: it ends without it.
      const kept: typeof u.waiting = []
      for (const op of u.waiting) {
        if (op.kind === 'sync') {
          kept.push(op)
          continue
        }
        this.#out.push({type: 'failed', id: op.id, op: op.kind, unit})
        this.#finish(op.kind, op.id)
      }
      u.waiting = kept
    } else {
      // Too late: the grant is (or was) on its way and completes the request as usual.
      this.#enter(u, lock, this.#next(lock, 'not-waiting', () => `${where}: not-waiting while ${lock.phase}`))
    }
    this.#pump(u)
  }

  #onCallback(m: Extract<NodeMessage, {type: 'callback'}>): void {
    const u = this.#unit(m.unit)
    const f = u.inflight
    const where = `node ${this.#cfg.node} unit ${u.id}`
    // A hold we already gave up (or are giving up): the demote that did it answers the callback.
    if (m.seq < u.seq || (m.seq === u.seq && u.mode === 'UN')) return
    if (m.seq > u.seq) {
      // The grant of this hold is still unread (it came in a reply): keep the callback for it.
      invariant(u.mode === 'UN' && f?.request === 'acquire' && !isGranted(f.phase), `${where}: ${m.kind} callback for seq ${m.seq}, but held ${u.mode} seq ${u.seq} and not acquiring`)
    }
    if (m.kind === 'downgrade') {
      // An SH hold is only asked to downgrade when its upgrade was granted in a reply not read yet.
      const becomingEx = u.mode === 'EX' || f?.request === 'upgrade' || (f?.request === 'acquire' && f.mode === 'EX')
      invariant(becomingEx, `${where}: downgrade callback for a ${u.mode} hold`)
    }
    const prev = u.callback
    invariant(prev === null || prev.seq === m.seq, () => `${where}: callback seq ${m.seq} while one for seq ${prev?.seq} is pending`)
    // A release escalates a pending downgrade; nothing ever softens a release.
    const kind: CallbackKind = prev?.kind === 'release' || m.kind === 'release' ? 'release' : 'downgrade'
    u.callback = {kind, seq: m.seq}
    this.#pump(u)
  }

  #onDiskRead(p: DiskPage): void {
    this.#checkPage(p.page)
    const key = pageKey(p.page)
    const u = this.#units.get(unitOf(p.page, this.#cfg.granularity))
    const read = u?.reading.get(key)
    invariant(u !== undefined && read !== undefined, `node ${this.#cfg.node}: disk-read of ${key}, which nobody asked for`)
    u.reading.delete(key)
    // Bytes read in an older cache epoch may predate another node's write: discard them and
    // let the faults start over.
    if (read.epoch === u.epoch) {
      invariant(u.mode !== 'UN', `node ${this.#cfg.node} unit ${u.id}: cache epoch survived a release`)
      const slot = this.#slot(u, p.page)
      // A write may have filled the page meanwhile (writes do not read first): keep it.
      if (slot.data === null) {
        slot.data = this.#bytes(p.data)
        slot.dirty = false
      }
    }
    // Behind the operations already parked: one of them may be halfway through a refused upgrade.
    u.waiting.push(...read.ops)
    this.#pump(u)
  }

  // ---------------------------------------------------------------------------------------------
  // The unit's scheduler: after anything changes, let parked operations and the callback run.

  #pump(u: UnitState): void {
    if (u.dropAfterRefusal && u.pins.length === 0) this.#dropAfterRefusal(u)
    if (!this.#busyForOps(u) && u.waiting.length > 0) {
      const parked = u.waiting
      u.waiting = []
      for (const op of parked) {
        if (this.#busyForOps(u) || this.#evaluate(u, op) === 'wait') u.waiting.push(op)
      }
    }
    this.#maybeServeCallback(u)
  }

  /** Faults wait while a callback is served or a request is on its way (a granted one excepted). */
  #busyForOps(u: UnitState): boolean {
    const f = u.inflight
    if (u.dropAfterRefusal) return true
    if (f === null) return false
    return !((f.request === 'acquire' || f.request === 'upgrade') && isGranted(f.phase))
  }

  #canSend(u: UnitState): boolean {
    return u.inflight === null && !u.dropAfterRefusal
  }

  #evaluate(u: UnitState, op: NodeOp): Outcome {
    switch (op.kind) {
      case 'access':
        return this.#evaluateAccess(u, op)
      case 'pin':
        if (covers(u.mode, op.mode)) {
          u.pins.push(op.mode)
          this.#out.push({type: 'pinned', id: op.id, fault: op.cls})
          this.#finish('pin', op.id)
          return 'done'
        }
        if (op.try) return this.#tryLock(u, op)
        return this.#needLock(u, op.mode, op.page)
      case 'sync':
        return this.#evaluateSync(u, op.id)
    }
  }

  /** A fault, evaluated from scratch: the lock may have changed since it was parked. */
  #evaluateAccess(u: UnitState, op: AccessOp): Outcome {
    const slot = u.pages.get(pageKey(op.page))
    if (slot !== undefined && allows(slot.pte, op.access)) {
      this.#completeAccess(u, op)
      return 'done'
    }
    if (this.#brokenAccess(u, op)) return 'done'
    if (op.access === 'read') {
      if (u.mode === 'UN') return this.#needLock(u, 'SH', op.page)
      if (slot?.data == null) return this.#readDisk(u, op)
      this.#setPte(u, slot, 'RO')
      this.#completeAccess(u, op)
      return 'done'
    }
    if (u.mode !== 'EX') return this.#needLock(u, 'EX', op.page)
    const target = this.#slot(u, op.page)
    // The write replaces the whole page, so an uncached page is not read from disk first.
    if (target.data === null) target.data = op.data
    this.#setPte(u, target, 'RW')
    this.#completeAccess(u, op)
    return 'done'
  }

  #completeAccess(u: UnitState, op: AccessOp): void {
    const slot = u.pages.get(pageKey(op.page))
    invariant(slot !== undefined && slot.data !== null && allows(slot.pte, op.access), () => `node ${this.#cfg.node}: ${op.access} ${op.id} completed without a mapping`)
    if (op.access === 'write') {
      invariant(op.data !== null, 'write without data')
      slot.data = op.data
      slot.dirty = true
    }
    this.#out.push({type: 'access-done', id: op.id, data: slot.data, fault: op.cls})
    this.#finish('access', op.id)
  }

  #readDisk(u: UnitState, op: AccessOp): Outcome {
    const key = pageKey(op.page)
    const pending = u.reading.get(key)
    // Never two reads of one page out at once: the runtime may answer them in any order.
    if (pending !== undefined) pending.ops.push(op)
    else {
      u.reading.set(key, {page: op.page, epoch: u.epoch, ops: [op]})
      this.#out.push({type: 'read-disk', page: op.page})
    }
    return 'disk'
  }

  #evaluateSync(u: UnitState, id: number): Outcome {
    const dirty = this.#dirtySlots(u)
    if (dirty.length === 0) {
      this.#out.push({type: 'synced', id, pages: 0})
      this.#finish('sync', id)
      return 'done'
    }
    if (!this.#canSend(u)) return 'wait'
    const writeback = dirty.map(toWriteback)
    // Clean from now on: a write hit meanwhile dirties the page again and the next write-back
    // carries the newer bytes.
    for (const slot of dirty) slot.dirty = false
    u.inflight = {request: 'writeback', sync: id, offered: writeback.length}
    this.#send({type: 'writeback', node: this.#cfg.node, unit: u.id, seq: u.seq, generation: u.generation, writeback})
    return 'done'
  }

  /** Ask the manager for `want` (always EX in exclusive-only runs); the operation stays parked. */
  #needLock(u: UnitState, want: HeldMode, page: PageRef): Outcome {
    if (!this.#canSend(u)) return 'wait'
    if (u.mode === 'UN') {
      const mode: HeldMode = this.#cfg.states === 'exclusive' ? 'EX' : want
      u.inflight = {request: 'acquire', mode, phase: 'sent'}
      this.#send({type: 'acquire', node: this.#cfg.node, unit: u.id, mode, page, try: false})
    } else {
      invariant(u.mode === 'SH' && want === 'EX', `node ${this.#cfg.node} unit ${u.id}: asked for ${want} while holding ${u.mode}`)
      u.inflight = {request: 'upgrade', phase: 'sent'}
      this.#send({type: 'upgrade', node: this.#cfg.node, unit: u.id, seq: u.seq})
    }
    return 'wait'
  }

  /** A try-only pin: ask with `try` (the manager queues nothing); an upgrade cannot be tried, so it is busy. */
  #tryLock(u: UnitState, op: PinOp): Outcome {
    if (u.mode !== 'UN') {
      this.#out.push({type: 'pin-busy', id: op.id})
      this.#finish('pin', op.id)
      return 'done'
    }
    if (!this.#canSend(u)) return 'wait'
    const mode: HeldMode = this.#cfg.states === 'exclusive' ? 'EX' : op.mode
    u.inflight = {request: 'acquire', mode, phase: 'sent', tryPin: op.id}
    this.#send({type: 'acquire', node: this.#cfg.node, unit: u.id, mode, page: op.page, try: true})
    return 'wait'
  }

  /** Everything parked on the unit waited for what just resolved: class them by it. */
  #settle(u: UnitState, cls: FaultClass): void {
    for (const op of u.waiting) if (op.kind !== 'sync') op.cls = worseClass(op.cls, cls)
  }

  // ---------------------------------------------------------------------------------------------
  // The lock daemon

  #maybeServeCallback(u: UnitState): void {
    const cb = u.callback
    // A pin (a copy in progress) holds the lock: tell the manager once, for its wait-for graph.
    if (cb !== null && u.pins.length > 0 && u.mode !== 'UN' && cb.seq === u.seq && u.deferReported !== cb.seq) {
      u.deferReported = cb.seq
      this.#send({type: 'defer', node: this.#cfg.node, unit: u.id, seq: u.seq})
    }
    if (cb === null || u.inflight !== null || u.dropAfterRefusal) return
    invariant(u.mode !== 'UN' && cb.seq === u.seq, `node ${this.#cfg.node} unit ${u.id}: ${cb.kind} callback seq ${cb.seq} kept for ${u.mode} seq ${u.seq}`)
    if (holdersOf(u) > 0) return
    const due = u.grantTime + this.#cfg.holdTimeUs
    // A callback the manager was told a pin defers is served as soon as the pins are gone: the
    // lock was used meanwhile, and until the demote the manager counts this node as unable to
    // release (its wait-for graph), so it must not linger for the rest of the hold time.
    if (this.#now < due && u.deferReported !== cb.seq) {
      if (u.wakeAt !== due) {
        u.wakeAt = due
        this.#out.push({type: 'wake', at: due})
      }
      return
    }
    u.callback = null
    u.wakeAt = null
    u.deferReported = null
    if (cb.kind === 'release') this.#release(u)
    else this.#downgrade(u)
  }

  #release(u: UnitState): void {
    const brk = this.#cfg.breakVariant
    // skip-writeback (broken): the dirty pages are dropped instead of going back with the demote.
    const writeback = brk === 'skip-writeback' ? [] : this.#dirtySlots(u).map(toWriteback)
    if (brk === 'skip-writeback' && this.#dirtySlots(u).length > 0) this.#breakFired++
    invariant(writeback.length === 0 || u.mode === 'EX', `node ${this.#cfg.node} unit ${u.id}: dirty pages under ${u.mode}`)
    // skip-invalidate (broken): the PTEs stay mapped; stale-read (broken): the cache is kept.
    if (brk === 'skip-invalidate' || brk === 'stale-read') this.#keepAfterRelease(u, brk)
    this.#invalidate(u)
    u.mode = 'UN'
    u.inflight = {request: 'demote', to: 'UN', reason: {kind: 'callback', callback: 'release'}, offered: writeback.length}
    this.#send({type: 'demote', node: this.#cfg.node, unit: u.id, seq: u.seq, to: 'UN', generation: u.generation, writeback})
  }

  #downgrade(u: UnitState): void {
    invariant(u.mode === 'EX', `node ${this.#cfg.node} unit ${u.id}: downgrade of a ${u.mode} hold`)
    const dirty = this.#dirtySlots(u)
    const writeback = dirty.map(toWriteback)
    for (const slot of dirty) slot.dirty = false
    for (const slot of u.pages.values()) {
      if (this.#cfg.downgrade === 'unmap') this.#setPte(u, slot, 'none')
      else if (slot.pte === 'RW') this.#setPte(u, slot, 'RO')
    }
    u.mode = 'SH'
    u.inflight = {request: 'demote', to: 'SH', reason: {kind: 'callback', callback: 'downgrade'}, offered: writeback.length}
    this.#send({type: 'demote', node: this.#cfg.node, unit: u.id, seq: u.seq, to: 'SH', generation: u.generation, writeback})
  }

  /** After a refused upgrade: unmap, drop the cache and SH; the parked fault then asks for EX. */
  #dropAfterRefusal(u: UnitState): void {
    invariant(u.mode === 'SH' && u.inflight === null, `node ${this.#cfg.node} unit ${u.id}: refused upgrade while holding ${u.mode}`)
    invariant(this.#dirtySlots(u).length === 0, `node ${this.#cfg.node} unit ${u.id}: dirty pages under SH`)
    u.dropAfterRefusal = false
    this.#invalidate(u)
    u.mode = 'UN'
    // The demote to UN also answers a release callback pending for this hold.
    u.callback = null
    u.wakeAt = null
    u.inflight = {request: 'demote', to: 'UN', reason: {kind: 'refused'}, offered: 0}
    this.#send({type: 'demote', node: this.#cfg.node, unit: u.id, seq: u.seq, to: 'UN', generation: u.generation, writeback: []})
  }

  /** The manager says the hold is gone (a stale reply): keep nothing it covered. */
  #lose(u: UnitState): void {
    invariant(u.pins.length === 0, `node ${this.#cfg.node} unit ${u.id}: hold lost while pinned`)
    this.#invalidate(u)
    u.mode = 'UN'
    u.callback = null
    u.wakeAt = null
  }

  /** Unmap every page of the unit and drop its cache (the caller has taken the dirty pages). */
  #invalidate(u: UnitState): void {
    for (const slot of u.pages.values()) this.#setPte(u, slot, 'none')
    u.pages.clear()
    u.epoch++
  }

  // ---------------------------------------------------------------------------------------------
  // Grants

  #applyGrant(u: UnitState, mode: HeldMode, seq: number, generation: number, page: DiskPage | null): void {
    const where = `node ${this.#cfg.node} unit ${u.id}`
    this.#forgetBroken(u)
    invariant(u.mode === 'UN' && u.pages.size === 0, () => `${where}: fresh grant while holding ${u.mode}`)
    invariant(seq > u.seq, () => `${where}: grant seq ${seq} not after ${u.seq}`)
    invariant(mode === 'EX' ? generation > u.generation : generation >= u.generation, () => `${where}: ${mode} grant generation ${generation} after ${u.generation}`)
    invariant(u.callback === null || u.callback.seq === seq, () => `${where}: kept callback seq ${u.callback?.seq} but granted seq ${seq}`)
    u.mode = mode
    u.seq = seq
    u.generation = generation
    u.grantTime = this.#now
    u.wakeAt = null
    if (page !== null) {
      this.#checkPage(page.page)
      invariant(unitOf(page.page, this.#cfg.granularity) === u.id, `${where}: grant carries page ${pageKey(page.page)} of another unit`)
      const slot = this.#slot(u, page.page)
      slot.data = this.#bytes(page.data)
      slot.dirty = false
    }
  }

  #applyUpgrade(u: UnitState, generation: number): void {
    const where = `node ${this.#cfg.node} unit ${u.id}`
    invariant(u.mode === 'SH', `${where}: upgrade granted while holding ${u.mode}`)
    invariant(generation > u.generation, `${where}: upgrade generation ${generation} after ${u.generation}`)
    u.mode = 'EX'
    u.generation = generation
    // The new EX hold gets its own minimum hold time, so the writer that asked for it gets to write.
    u.grantTime = this.#now
    u.wakeAt = null
  }

  // ---------------------------------------------------------------------------------------------
  // Broken variants (`--break`): what a release leaves behind, and the accesses it lets through.

  #keepAfterRelease(u: UnitState, brk: 'skip-invalidate' | 'stale-read'): void {
    for (const [key, slot] of u.pages) {
      if (slot.data === null) continue
      if (brk === 'stale-read') this.#staleCache.set(key, slot.data)
      else if (slot.pte !== 'none') {
        this.#leftMapped.set(key, {pte: slot.pte, data: slot.data})
        this.#breakFired++
        // The MMU keeps the mapping: no PTE change happens (or is traced) for it.
        slot.pte = 'none'
      }
    }
  }

  /** A left mapping the MMU lets through, or a read of a stale cached page without a lock. */
  #brokenAccess(u: UnitState, op: AccessOp): boolean {
    if (this.#leftMapped.size === 0 && this.#staleCache.size === 0) return false
    const key = pageKey(op.page)
    const left = this.#leftMapped.get(key)
    let data: PageBytes | undefined
    let fault: FaultClass = 'hit'
    if (left !== undefined && allows(left.pte, op.access)) {
      if (op.access === 'write' && op.data !== null) left.data = op.data
      data = left.data
    } else if (op.access === 'read' && u.mode === 'UN') {
      data = this.#staleCache.get(key)
      if (data !== undefined) this.#breakFired++
      // A fault served from the cache, as if the lock were held.
      fault = worseClass(op.cls, 'cached-lock')
    }
    if (data === undefined) return false
    this.#out.push({type: 'access-done', id: op.id, data, fault})
    this.#finish('access', op.id)
    return true
  }

  /** A new grant maps the unit's pages afresh: what a broken release left of them goes. */
  #forgetBroken(u: UnitState): void {
    if (this.#leftMapped.size === 0 && this.#staleCache.size === 0) return
    for (const map of [this.#leftMapped, this.#staleCache] as Map<string, unknown>[]) {
      for (const key of [...map.keys()]) if (unitOf(parsePageKey(key), this.#cfg.granularity) === u.id) map.delete(key)
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  #unit(id: UnitId): UnitState {
    let u = this.#units.get(id)
    if (u === undefined) {
      u = newUnit(id)
      this.#units.set(id, u)
    }
    return u
  }

  #slotOf(page: PageRef): PageSlot | undefined {
    return this.#units.get(unitOf(page, this.#cfg.granularity))?.pages.get(pageKey(page))
  }

  #slot(u: UnitState, page: PageRef): PageSlot {
    const key = pageKey(page)
    let slot = u.pages.get(key)
    if (slot === undefined) {
      slot = {page: {file: page.file, page: page.page}, pte: 'none', data: null, dirty: false}
      u.pages.set(key, slot)
    }
    return slot
  }

  #setPte(u: UnitState, slot: PageSlot, to: PteState): void {
    if (slot.pte === to) return
    this.#out.push({type: 'pte', page: slot.page, from: slot.pte, to, unit: u.id, seq: u.seq, generation: u.generation})
    slot.pte = to
  }

  #dirtySlots(u: UnitState): PageSlot[] {
    return [...u.pages.values()].filter((s) => s.dirty).sort((a, b) => comparePages(a.page, b.page))
  }

  #send(request: ManagerRequest): void {
    this.#out.push({type: 'send', request})
  }

  #bytes(data: PageBytes | null): PageBytes {
    if (data === null) return new Uint8Array(this.#cfg.pageSize)
    invariant(data.length === this.#cfg.pageSize, () => `node ${this.#cfg.node}: page of ${data.length} bytes, expected ${this.#cfg.pageSize}`)
    return data.slice()
  }

  #checkPage(page: PageRef): void {
    invariant(page.file.length > 0 && Number.isInteger(page.page) && page.page >= 0, () => `node ${this.#cfg.node}: bad page ${JSON.stringify(page)}`)
  }

  #begin(kind: NodeOp['kind'], id: number): void {
    const key = activeKey(kind, id)
    invariant(!this.#active.has(key), () => `node ${this.#cfg.node}: ${kind} ${id} is already in progress`)
    this.#active.add(key)
  }

  #finish(kind: NodeOp['kind'], id: number): void {
    invariant(this.#active.delete(activeKey(kind, id)), () => `node ${this.#cfg.node}: ${kind} ${id} finished twice`)
  }
}

const KIND_CODE: Record<NodeOp['kind'], number> = {access: 0, pin: 1, sync: 2}

/** `kind:id` as a number (no string built per operation); injective for integer ids. */
function activeKey(kind: NodeOp['kind'], id: number): number | string {
  return Number.isSafeInteger(id) && Math.abs(id) < 2 ** 50 ? id * 3 + KIND_CODE[kind] : `${kind}:${id}`
}

function allows(pte: PteState, access: AccessKind): boolean {
  return access === 'read' ? pte !== 'none' : pte === 'RW'
}

function covers(held: LockMode, want: HeldMode): boolean {
  return held === 'EX' || (held === 'SH' && want === 'SH')
}

function toWriteback(slot: PageSlot): Writeback {
  invariant(slot.data !== null, `dirty page ${pageKey(slot.page)} without data`)
  return {page: slot.page, data: slot.data}
}

function comparePages(a: PageRef, b: PageRef): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : a.page - b.page
}
