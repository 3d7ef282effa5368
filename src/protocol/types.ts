// Shared vocabulary of the protocol core. Pure data: no I/O, no clocks, no Redis.
// Everything that crosses a boundary (node <-> manager, core <-> runtime) is a
// discriminated union so that a runtime cannot build an illegal message.

export type NodeId = number

/** Cluster-wide lock modes of one lock unit, as held by one node. */
export type LockMode = 'UN' | 'SH' | 'EX'
/** Modes a node can ask for or hold (UN is the absence of a hold). */
export type HeldMode = 'SH' | 'EX'

/** What one lock covers: a whole file, or a single page of a file. */
export type Granularity = 'file' | 'page'
/** `shared`: SH and EX. `exclusive`: every fault takes EX (the proposal's first implementation). */
export type StatesMode = 'shared' | 'exclusive'
/** How an EX->SH downgrade treats existing RW mappings (the reviewer's suggestion is `unmap`). */
export type DowngradeStyle = 'unmap' | 'write-protect'

/** State of one page-table entry on one node. */
export type PteState = 'none' | 'RO' | 'RW'

/** A page of a file. Files are named by short identifiers from the workload (`a`, `b`). */
export interface PageRef {
  readonly file: string
  readonly page: number
}

/** `a` for a file unit, `a/3` for a page unit. Also used as the history `key` of a page. */
export type UnitId = string

export function pageKey(p: PageRef): string {
  return `${p.file}/${p.page}`
}

export function unitOf(p: PageRef, granularity: Granularity): UnitId {
  return granularity === 'file' ? p.file : pageKey(p)
}

export function parsePageKey(key: string): PageRef {
  const slash = key.lastIndexOf('/')
  if (slash <= 0) throw new Error(`not a page key: ${key}`)
  const page = Number(key.slice(slash + 1))
  if (!Number.isInteger(page) || page < 0) throw new Error(`not a page key: ${key}`)
  return {file: key.slice(0, slash), page}
}

/** Protocol settings fixed for a whole run. */
export interface ProtocolSettings {
  readonly granularity: Granularity
  readonly states: StatesMode
  readonly downgrade: DowngradeStyle
  /** Minimum time a grant is kept before a callback is honoured (GFS2's min hold time), microseconds. */
  readonly holdTimeUs: number
  readonly pageSize: number
}

/** Bytes of one page as stored on the shared disk and in a node's cache. */
export type PageBytes = Uint8Array

/** A page as read from the shared disk: its bytes and the disk's version counter for it. */
export interface DiskPage {
  readonly page: PageRef
  /** `null` when the page was never written (all zero bytes). */
  readonly data: PageBytes | null
  readonly version: number
}

/** A dirty page carried back to the shared disk by a demote or an msync. */
export interface Writeback {
  readonly page: PageRef
  readonly data: PageBytes
}

// ---------------------------------------------------------------------------
// Node -> manager requests. Each is one atomic decision of the manager
// (one Lua script call in the Redis runtime; one method call in the model).
// A node has at most ONE request in flight per unit.
// ---------------------------------------------------------------------------

export type ManagerRequest =
  /** Ask for a new hold from UN. `page` is the faulting page: its disk contents come back with the grant. */
  | {readonly type: 'acquire'; readonly node: NodeId; readonly unit: UnitId; readonly mode: HeldMode; readonly page: PageRef; readonly try: boolean}
  /** SH holder asks for EX. */
  | {readonly type: 'upgrade'; readonly node: NodeId; readonly unit: UnitId; readonly seq: number}
  /**
   * Give up (`to: 'UN'`) or downgrade (`to: 'SH'`) the hold `seq`, writing back dirty pages under
   * `generation` first. Answers a callback, and is also how a node drops a lock on its own.
   */
  | {readonly type: 'demote'; readonly node: NodeId; readonly unit: UnitId; readonly seq: number; readonly to: 'UN' | 'SH'; readonly generation: number; readonly writeback: readonly Writeback[]}
  /** Write dirty pages back while keeping the EX hold (msync). */
  | {readonly type: 'writeback'; readonly node: NodeId; readonly unit: UnitId; readonly seq: number; readonly generation: number; readonly writeback: readonly Writeback[]}
  /** Withdraw a queued acquire or a pending upgrade. */
  | {readonly type: 'cancel'; readonly node: NodeId; readonly unit: UnitId}
  /**
   * The node cannot answer the callback on its hold `seq` now: a pin holds it (a copy in
   * progress). Sent once per callback, only then (the slow path): the manager records the edge
   * for the wait-for graph and checks whether it closes a cycle (docs/DEADLOCKS.md).
   */
  | {readonly type: 'defer'; readonly node: NodeId; readonly unit: UnitId; readonly seq: number}

type Granted = {readonly type: 'granted'; readonly mode: HeldMode; readonly seq: number; readonly generation: number; readonly page: DiskPage | null}
type Queued = {readonly type: 'queued'}
/** Upgrade refused: another node is upgrading, or a release callback to this node is pending. */
type Refused = {readonly type: 'refused'; readonly reason: 'conversion-deadlock' | 'callback-pending'}
/** `try: true` acquire that could not be granted at once; nothing was queued. */
type Busy = {readonly type: 'busy'}
type Demoted = {readonly type: 'demoted'; readonly accepted: number}
type Written = {readonly type: 'written'; readonly accepted: number}
/** A demote/writeback whose seq or generation is no longer current: nothing was written (fencing). */
type Stale = {readonly type: 'stale'; readonly rejected: number}
type Cancelled = {readonly type: 'cancelled'}
/** Cancel came too late: the grant is already on its way in the node's stream. */
type NotWaiting = {readonly type: 'not-waiting'}
/** A `defer` was recorded (stale ones, for a hold that is gone, are `stale` with rejected 0). */
type Noted = {readonly type: 'noted'}

export type RequestKind = ManagerRequest['type']

/** The replies each kind of request can get: the reply's type follows from the request's. */
export interface ReplyOf {
  readonly acquire: Granted | Queued | Busy
  readonly upgrade: Granted | Queued | Refused
  readonly demote: Demoted | Stale
  readonly writeback: Written | Stale
  readonly cancel: Cancelled | NotWaiting
  readonly defer: Noted | Stale
}

/** The manager's direct answer to a request of kind `K` (the script's return value); any reply by default. */
export type ManagerReply<K extends RequestKind = RequestKind> = ReplyOf[K]

/** The reply to `R`. */
export type ReplyTo<R extends ManagerRequest> = ReplyOf[R['type']]

/** ReplyOf at run time: the reply types each request kind may get. */
export const REPLY_TYPES: {readonly [K in RequestKind]: readonly ReplyOf[K]['type'][]} = {
  acquire: ['granted', 'queued', 'busy'],
  upgrade: ['granted', 'queued', 'refused'],
  demote: ['demoted', 'stale'],
  writeback: ['written', 'stale'],
  cancel: ['cancelled', 'not-waiting'],
  defer: ['noted', 'stale'],
}

/**
 * `reply` typed as the reply to `request` if a request of its kind can get it, else null. Replies
 * the manager decides and replies read off the wire go through here: the check is what lets the
 * type follow from the request's (a switch over a union cannot carry the pairing by itself).
 */
export function replyFor<R extends ManagerRequest>(request: R, reply: ManagerReply): ReplyTo<R> | null {
  return (REPLY_TYPES[request.type] as readonly string[]).includes(reply.type) ? (reply as ReplyTo<R>) : null
}

/** Asynchronous manager -> node messages, delivered in order on the node's stream. */
export type NodeMessage =
  | {readonly type: 'grant'; readonly unit: UnitId; readonly mode: HeldMode; readonly seq: number; readonly generation: number; readonly upgrade: boolean; readonly page: DiskPage | null}
  | {readonly type: 'callback'; readonly unit: UnitId; readonly kind: 'release' | 'downgrade'; readonly seq: number}
  /**
   * The manager found a deadlock: a cycle in the wait-for graph. Sent to every node of the cycle;
   * `unit` is the unit the recipient waits on. `victim` (the youngest waiter) is the node whose
   * wait breaks the cycle if the run's policy is to break it.
   */
  | {readonly type: 'deadlock'; readonly unit: UnitId; readonly id: number; readonly victim: NodeId; readonly cycle: readonly WaitEdge[]}

/**
 * One edge of a deadlock cycle: `node` waits for `unit` in mode `wants`, held (pinned, so it
 * cannot be released) by `heldBy` in mode `held`. Edge i's `heldBy` is edge i+1's `node`.
 */
export interface WaitEdge {
  readonly node: NodeId
  readonly unit: UnitId
  readonly wants: HeldMode
  readonly heldBy: NodeId
  readonly held: HeldMode
}

/** A message and the node it is addressed to (what a manager decision emits). */
export interface Outgoing {
  readonly to: NodeId
  readonly message: NodeMessage
}

// ---------------------------------------------------------------------------
// Node core <-> runtime. The runtime feeds inputs, the core returns effects.
// Times are microseconds on the runtime's monotonic clock.
// ---------------------------------------------------------------------------

/** How an access was satisfied, for latency histograms. */
export type FaultClass =
  | 'hit' // PTE already allowed it: no fault
  | 'cached-lock' // fault, lock already held: mapped without asking the manager
  | 'acquired' // fault that acquired the lock, granted at once
  | 'upgrade' // write fault on SH: upgrade (or refused upgrade, then EX)
  | 'after-callback' // fault whose request waited for a callback to another node

export const FAULT_CLASSES: readonly FaultClass[] = ['hit', 'cached-lock', 'acquired', 'upgrade', 'after-callback']

export type AccessKind = 'read' | 'write'

/** Handle the runtime picks for an access or pin; echoed back in completion effects. */
export type RequestId = number

export type NodeInput =
  /** The application touches a page through its mapping. For a write, `data` is the full new page. */
  | {readonly type: 'access'; readonly id: RequestId; readonly page: PageRef; readonly kind: AccessKind; readonly data: PageBytes | null}
  /** Take and pin a lock (a holder: e.g. a write() syscall holding the destination of a copy). */
  | {readonly type: 'pin'; readonly id: RequestId; readonly unit: UnitId; readonly mode: HeldMode; readonly page: PageRef; readonly try?: boolean}
  /** Drop a pin taken with `pin`; deferred callbacks may now run. */
  | {readonly type: 'unpin'; readonly unit: UnitId}
  /** msync: write back this unit's dirty pages, keep the lock. */
  | {readonly type: 'sync'; readonly id: RequestId; readonly unit: UnitId}
  /** The manager's reply to the request the core emitted for `unit`. */
  | ReplyInput
  | {readonly type: 'message'; readonly message: NodeMessage}
  /** Result of a `read-disk` effect. */
  | {readonly type: 'disk-read'; readonly page: DiskPage}
  /** A `wake` effect's time has come. */
  | {readonly type: 'timer'}
  /**
   * Give up waiting for `unit` (a deadlock is broken here): cancel the queued request; the
   * operations waiting for it end with `failed`. A no-op if the request was granted meanwhile.
   */
  | {readonly type: 'abandon'; readonly unit: UnitId}

/** The manager's reply to the request the core emitted for `unit`, one variant per request kind. */
export type ReplyInput = {readonly [K in RequestKind]: {readonly type: 'reply'; readonly unit: UnitId; readonly request: K; readonly reply: ReplyOf[K]}}[RequestKind]

/**
 * The reply input for a `request` on `unit`. TypeScript cannot build one variant of a union from
 * a type parameter, so this is the one place the pairing is asserted: callers pass the reply that
 * `LockManager.send` or `decide` returned for that very request (checked by replyFor there).
 */
export function replyInput<K extends RequestKind>(unit: UnitId, request: K, reply: ReplyOf[K]): ReplyInput {
  return {type: 'reply', unit, request, reply} as ReplyInput
}

export type NodeEffect =
  /** Send this request to the manager; feed its reply back as a `reply` input. */
  | {readonly type: 'send'; readonly request: ManagerRequest}
  /** Read a page from the shared disk without involving the manager (lock already held). */
  | {readonly type: 'read-disk'; readonly page: PageRef}
  /** Ask for a `timer` input at (or after) this time. */
  | {readonly type: 'wake'; readonly at: number}
  /** A page-table change, for the trace the coherence checker reads. */
  | {readonly type: 'pte'; readonly page: PageRef; readonly from: PteState; readonly to: PteState; readonly unit: UnitId; readonly seq: number; readonly generation: number}
  /** An access finished; `data` is the page as the application saw it (after the write, for a write). */
  | {readonly type: 'access-done'; readonly id: RequestId; readonly data: PageBytes; readonly fault: FaultClass}
  | {readonly type: 'pinned'; readonly id: RequestId; readonly fault: FaultClass}
  /** A `try` pin that could not be granted at once: nothing is held or queued. */
  | {readonly type: 'pin-busy'; readonly id: RequestId}
  /** An access or pin ended without its lock (its wait was abandoned: a deadlock broken). */
  | {readonly type: 'failed'; readonly id: RequestId; readonly op: 'access' | 'pin'; readonly unit: UnitId}
  /** A deadlock message from the manager, for the runtime to record and act on (policy). */
  | {readonly type: 'deadlock'; readonly unit: UnitId; readonly id: number; readonly victim: NodeId; readonly cycle: readonly WaitEdge[]}
  | {readonly type: 'synced'; readonly id: RequestId; readonly pages: number}
  /** The lock daemon handled a callback (for counters). */
  | {readonly type: 'callback-done'; readonly unit: UnitId; readonly kind: 'release' | 'downgrade'; readonly wroteBack: number}
