// Per-unit state of the node core (one lock unit on one node) and its read-only snapshot.
import type {
  AccessKind,
  FaultClass,
  HeldMode,
  LockMode,
  ManagerRequest,
  PageBytes,
  PageRef,
  PteState,
  RequestId,
  UnitId,
} from './types.js'
import {PHASE_TEXT, type LockPhase} from './lock-phase.js'

export type CallbackKind = 'release' | 'downgrade'

export interface AccessOp {
  readonly kind: 'access'
  readonly id: RequestId
  readonly page: PageRef
  readonly access: AccessKind
  /** The full new page for a write, null for a read. */
  readonly data: PageBytes | null
  cls: FaultClass
}

export interface PinOp {
  readonly kind: 'pin'
  readonly id: RequestId
  readonly mode: HeldMode
  readonly page: PageRef
  /** Try-only: if the lock cannot be had at once, end with `pin-busy` (nothing queued). */
  readonly try: boolean
  cls: FaultClass
}

export interface SyncOp {
  readonly kind: 'sync'
  readonly id: RequestId
}

/** Something local that needs the unit and may have to wait for it. */
export type NodeOp = AccessOp | PinOp | SyncOp

/** Why a demote was sent: to answer a callback, or to drop SH after a refused upgrade. */
export type DemoteReason = {readonly kind: 'callback'; readonly callback: CallbackKind} | {readonly kind: 'refused'}

/**
 * The one request of this unit whose reply has not been read yet. An acquire or upgrade moves
 * through the phases of lock-phase.ts (a grant may be read before the request's reply, and a
 * queued request may be cancelled); it occupies the slot until it is `done` there, so that
 * replies and requests stay one-to-one.
 */
export type Inflight =
  | {readonly request: 'acquire'; readonly mode: HeldMode; readonly tryPin?: RequestId; phase: LockPhase}
  | {readonly request: 'upgrade'; phase: LockPhase}
  | {readonly request: 'demote'; readonly to: 'UN' | 'SH'; readonly reason: DemoteReason; readonly offered: number}
  | {readonly request: 'writeback'; readonly sync: RequestId; readonly offered: number}

/** An acquire or upgrade in flight. */
export type LockInflight = Extract<Inflight, {request: 'acquire' | 'upgrade'}>

export interface PendingCallback {
  readonly kind: CallbackKind
  readonly seq: number
}

/** One page of the unit: its PTE and its cached bytes. A slot exists only while mapped or cached. */
export interface PageSlot {
  readonly page: PageRef
  pte: PteState
  data: PageBytes | null
  dirty: boolean
}

/** A `read-disk` the runtime has not answered yet, and the read faults waiting for it. */
export interface DiskRead {
  readonly page: PageRef
  /** The cache epoch it was issued in: if the cache was dropped since, its bytes are not trusted. */
  readonly epoch: number
  readonly ops: AccessOp[]
}

export interface UnitState {
  readonly id: UnitId
  mode: LockMode
  /** Seq of the current hold, or of the last one while UN (so a late callback is known to be stale). */
  seq: number
  generation: number
  grantTime: number
  /** Modes of the granted pins, most recent last (`unpin` drops the most recent). */
  readonly pins: HeldMode[]
  inflight: Inflight | null
  callback: PendingCallback | null
  /** An upgrade was refused while a pin held SH: drop to UN as soon as the pins are gone. */
  dropAfterRefusal: boolean
  /** Seq of the hold whose pin-deferred callback was reported to the manager (`defer`), once per hold. */
  deferReported: number | null
  /** The time of the last `wake` effect asked for this unit's deferred callback. */
  wakeAt: number | null
  /** Bumped whenever the cache is dropped; see DiskRead. */
  epoch: number
  readonly pages: Map<string, PageSlot>
  /** Faults, pins and syncs parked until the unit can serve them, in arrival order. */
  waiting: NodeOp[]
  readonly reading: Map<string, DiskRead>
}

export function newUnit(id: UnitId): UnitState {
  return {
    id,
    mode: 'UN',
    seq: 0,
    generation: 0,
    grantTime: 0,
    pins: [],
    inflight: null,
    callback: null,
    dropAfterRefusal: false,
    deferReported: null,
    wakeAt: null,
    epoch: 0,
    pages: new Map(),
    waiting: [],
    reading: new Map(),
  }
}

/** Operations in progress that need the lock to stay: callbacks wait for these to finish. */
export function holdersOf(u: UnitState): number {
  let n = u.pins.length
  for (const op of u.waiting) if (op.kind !== 'sync') n++
  for (const read of u.reading.values()) n += read.ops.length
  return n
}

/** A callback is being served: faults on the unit wait until its demote reply comes. */
export function isBlocked(u: UnitState): boolean {
  return u.inflight?.request === 'demote' && u.inflight.reason.kind === 'callback'
}

export interface UnitSnapshot {
  readonly unit: UnitId
  readonly mode: LockMode
  readonly seq: number
  readonly generation: number
  readonly grantTime: number
  /** Pins granted plus operations in progress (parked or reading from disk). */
  readonly holders: number
  readonly pins: readonly HeldMode[]
  readonly inflight: {readonly request: ManagerRequest['type']; readonly detail: string} | null
  readonly callback: PendingCallback | null
  readonly blocked: boolean
  readonly waiting: readonly {readonly op: NodeOp['kind']; readonly id: RequestId; readonly on: 'unit' | 'disk'}[]
  readonly pages: readonly {readonly page: PageRef; readonly pte: PteState; readonly cached: 'clean' | 'dirty' | null}[]
}

export function isIdle(u: UnitState): boolean {
  return (
    u.mode === 'UN' &&
    u.inflight === null &&
    u.callback === null &&
    u.pins.length === 0 &&
    u.waiting.length === 0 &&
    u.reading.size === 0 &&
    u.pages.size === 0
  )
}

export function snapshotOf(u: UnitState): UnitSnapshot {
  const waiting: {op: NodeOp['kind']; id: RequestId; on: 'unit' | 'disk'}[] = u.waiting.map((op) => ({op: op.kind, id: op.id, on: 'unit'}))
  for (const read of u.reading.values()) for (const op of read.ops) waiting.push({op: op.kind, id: op.id, on: 'disk'})
  return {
    unit: u.id,
    mode: u.mode,
    seq: u.seq,
    generation: u.generation,
    grantTime: u.grantTime,
    holders: holdersOf(u),
    pins: [...u.pins],
    inflight: u.inflight === null ? null : {request: u.inflight.request, detail: describeInflight(u.inflight)},
    callback: u.callback,
    blocked: isBlocked(u),
    waiting,
    pages: [...u.pages.values()].map((s) => ({page: s.page, pte: s.pte, cached: s.data === null ? null : s.dirty ? 'dirty' : 'clean'})),
  }
}

function describeInflight(f: Inflight): string {
  switch (f.request) {
    case 'acquire':
      return `${f.mode}${f.tryPin !== undefined ? ' try' : ''}${PHASE_TEXT[f.phase]}`
    case 'upgrade':
      return `SH->EX${PHASE_TEXT[f.phase]}`
    case 'demote':
      return `to ${f.to} (${f.reason.kind === 'callback' ? f.reason.callback : 'refused upgrade'}), ${f.offered} pages`
    case 'writeback':
      return `msync #${f.sync}, ${f.offered} pages`
  }
}
