// Pure reference model of the lock manager: docs/PROTOCOL.md, section "The manager".
// The Lua scripts in src/redis/lua/ implement the same decisions; test/redis/differential.test.ts
// requires both to agree on replies, emitted messages (and their order), unit state and disk.
//
// `decide` MUTATES the model in place (the manager is one long-lived state machine; copying
// every unit per request would only cost time). A request that is a protocol error throws
// ProtocolError BEFORE touching anything, so a failed decision leaves the model unchanged.
import type {DiskPage, HeldMode, ManagerReply, ManagerRequest, NodeId, NodeMessage, Outgoing, PageRef, ReplyOf, ReplyTo, UnitId, Writeback} from './types.js'
import {pageKey, replyFor} from './types.js'
import type {BreakVariant} from './break.js'
import {beginWait, createWaitGraph, detect, endWait, markPinned, unmarkPinned, type WaitGraph} from './wait-graph.js'
import {invariant} from './errors.js'

export type CallbackState = 'none' | 'release' | 'downgrade'

export interface Holder {
  mode: HeldMode
  seq: number
  callback: CallbackState
}

export interface Waiter {
  readonly node: NodeId
  readonly mode: HeldMode
  readonly page: PageRef
}

export interface Unit {
  generation: number
  seq: number
  readonly holders: Map<NodeId, Holder>
  queue: Waiter[]
  upgrading: NodeId | null
}

/** One page of the shared disk. `generation` is the EX generation of the last accepted write. */
export interface DiskEntry {
  data: Uint8Array | null
  version: number
  generation: number
}

export interface ManagerModel {
  readonly units: Map<UnitId, Unit>
  /** Keyed by pageKey (`a/3`). */
  readonly disk: Map<string, DiskEntry>
  /** Nodes (incarnations) declared dead after their lease expired: never granted again. */
  readonly dead: Set<NodeId>
  /** A deliberately broken variant (`--break`): only `early-grant`, `no-conversion-refusal` and `unfenced-writeback` change the manager. */
  readonly breakVariant?: BreakVariant | null
  /** Who waits for whom across units (docs/DEADLOCKS.md). */
  readonly graph: WaitGraph
}

export interface ManagerOptions {
  readonly breakVariant?: BreakVariant | null
}

/** Read-only snapshot of one unit, in the same shape the Redis adapter reads back. */
export interface HolderView {
  readonly node: NodeId
  readonly mode: HeldMode
  readonly seq: number
  readonly callback: CallbackState
}

export interface UnitState {
  readonly generation: number
  readonly seq: number
  /** Sorted by node id. */
  readonly holders: readonly HolderView[]
  /** FIFO order, head first. */
  readonly queue: readonly Waiter[]
  readonly upgrading: NodeId | null
}

/** A disk page plus the generation it was last written under (fencing state). */
export interface DiskRecord extends DiskPage {
  readonly generation: number
}

/** A decision on a request of type `R`: its reply (of the kinds `R` can get) and the messages it sends. */
export interface Decision<R extends ManagerRequest = ManagerRequest> {
  readonly reply: ReplyTo<R>
  readonly out: Outgoing[]
}

/** The request is illegal for the node's state: a bug in the node, not a race. */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ProtocolError'
  }
}

/** A broken manager invariant: an InvariantError (the model checker matches the type, never the text). */
function assert(condition: boolean, message: string): asserts condition {
  invariant(condition, () => `manager invariant violated: ${message}`)
}

function protocol(condition: boolean, message: string): asserts condition {
  if (!condition) throw new ProtocolError(message)
}

export function createManager(options: ManagerOptions = {}): ManagerModel {
  return {units: new Map(), disk: new Map(), dead: new Set(), graph: createWaitGraph(), breakVariant: options.breakVariant ?? null}
}

function unitOf(m: ManagerModel, unit: UnitId): Unit {
  let u = m.units.get(unit)
  if (u === undefined) {
    u = {generation: 0, seq: 0, holders: new Map(), queue: [], upgrading: null}
    m.units.set(unit, u)
  }
  return u
}

/** A page belongs to a file unit `a` (any page of `a`) or to the page unit `a/3` (that page). */
export function pageInUnit(unit: UnitId, page: PageRef): boolean {
  if (!Number.isSafeInteger(page.page) || page.page < 0) return false
  return page.file === unit || pageKey(page) === unit
}

export function diskPage(m: ManagerModel, page: PageRef): DiskPage {
  const {generation: _generation, ...rest} = diskRecord(m, page)
  return rest
}

/** A page's disk version, without copying its bytes (the model checker reads it on every write-back). */
export function diskVersion(m: ManagerModel, page: PageRef): number {
  return m.disk.get(pageKey(page))?.version ?? 0
}

/** A page's bytes on disk, shared, not copied: for readers that only look (stamp caches key on the buffer). */
export function diskBytes(m: ManagerModel, page: PageRef): Readonly<Uint8Array> | null {
  return m.disk.get(pageKey(page))?.data ?? null
}

export function diskRecord(m: ManagerModel, page: PageRef): DiskRecord {
  const entry = m.disk.get(pageKey(page))
  return {
    page: {file: page.file, page: page.page},
    data: entry?.data ? new Uint8Array(entry.data) : null,
    version: entry?.version ?? 0,
    generation: entry?.generation ?? 0,
  }
}

export function unitState(m: ManagerModel, unit: UnitId): UnitState {
  const u = m.units.get(unit)
  if (u === undefined) return {generation: 0, seq: 0, holders: [], queue: [], upgrading: null}
  const holders = [...u.holders.entries()]
    .sort(([a], [b]) => a - b)
    .map(([node, h]) => ({node, mode: h.mode, seq: h.seq, callback: h.callback}))
  const queue = u.queue.map((w) => ({node: w.node, mode: w.mode, page: {file: w.page.file, page: w.page.page}}))
  return {generation: u.generation, seq: u.seq, holders, queue, upgrading: u.upgrading}
}

export function decide<R extends ManagerRequest>(m: ManagerModel, req: R): Decision<R> {
  protocol(Number.isSafeInteger(req.node) && req.node >= 0, `node id must be a non-negative integer: ${req.node}`)
  if (req.type === 'upgrade' || req.type === 'demote' || req.type === 'writeback') protocol(Number.isSafeInteger(req.seq), `seq must be an integer: ${req.seq}`)
  if (req.type === 'demote' || req.type === 'writeback') protocol(Number.isSafeInteger(req.generation), `generation must be an integer: ${req.generation}`)
  const u = unitOf(m, req.unit)
  checkInvariants(req.unit, u)
  if (m.dead.has(req.node)) return unfencedBreak(m, req, {reply: pairedWith(req, deadNodeReply(req)), out: []})
  const out: Outgoing[] = []
  const reply = pairedWith(req, answer({m, unit: req.unit, u, out}, req))
  checkInvariants(req.unit, u)
  return unfencedBreak(m, req, {reply, out})
}

/** `reply` as the reply to `req` (each handler's return type says so too; this also catches one that answers out of kind). */
function pairedWith<R extends ManagerRequest>(req: R, reply: ManagerReply): ReplyTo<R> {
  const paired = replyFor(req, reply)
  assert(paired !== null, `a ${req.type} answered ${reply.type}`)
  return paired
}

function answer(ctx: Ctx, req: ManagerRequest): ManagerReply {
  let reply: ManagerReply
  switch (req.type) {
    case 'acquire':
      reply = acquire(ctx, req)
      break
    case 'upgrade':
      reply = upgrade(ctx, req)
      break
    case 'demote':
      reply = demote(ctx, req)
      break
    case 'writeback':
      reply = writeback(ctx, req)
      break
    case 'cancel':
      reply = cancel(ctx, req.node)
      break
    case 'defer':
      reply = defer(ctx, req)
      break
  }
  return reply
}

/** unfenced-writeback (broken): a fenced write-back's pages reach the disk anyway (the reply still says stale). */
function unfencedBreak<R extends ManagerRequest>(m: ManagerModel, req: R, d: Decision<R>): Decision<R> {
  const fenced = d.reply.type === 'stale' && (req.type === 'demote' || req.type === 'writeback') && req.writeback.length > 0
  if (fenced && m.breakVariant === 'unfenced-writeback') applyWriteback(m, req.generation, req.writeback)
  return d
}

interface Ctx {
  readonly m: ManagerModel
  readonly unit: UnitId
  readonly u: Unit
  readonly out: Outgoing[]
}

type Req<T extends ManagerRequest['type']> = Extract<ManagerRequest, {type: T}>

function acquire(ctx: Ctx, req: Req<'acquire'>): ReplyOf['acquire'] {
  const {u} = ctx
  protocol(pageInUnit(ctx.unit, req.page), `acquire: page ${pageKey(req.page)} is not in unit ${ctx.unit}`)
  protocol(!u.holders.has(req.node), `acquire: node ${req.node} already holds ${ctx.unit}`)
  protocol(!u.queue.some((w) => w.node === req.node), `acquire: node ${req.node} is already queued on ${ctx.unit}`)
  if (u.queue.length === 0 && u.upgrading === null && compatible(u, req.mode)) {
    grantFresh(u, req.node, req.mode)
    return {type: 'granted', mode: req.mode, seq: u.seq, generation: u.generation, page: diskPage(ctx.m, req.page)}
  }
  if (req.try) return {type: 'busy'}
  u.queue.push({node: req.node, mode: req.mode, page: {file: req.page.file, page: req.page.page}})
  callbacks(ctx)
  beginWait(ctx.m.graph, req.node, ctx.unit, req.mode)
  detect(ctx.m.graph, req.node, ctx.unit, 'wait', ctx.out)
  return {type: 'queued'}
}

function upgrade(ctx: Ctx, req: Req<'upgrade'>): ReplyOf['upgrade'] {
  const {u} = ctx
  const h = u.holders.get(req.node)
  protocol(h !== undefined && h.mode === 'SH' && h.seq === req.seq, `upgrade: node ${req.node} does not hold ${ctx.unit} SH with seq ${req.seq}`)
  protocol(u.upgrading !== req.node, `upgrade: node ${req.node} is already upgrading ${ctx.unit}`)
  // no-conversion-refusal (broken): says `queued` and forgets the request: both upgraders wait forever.
  if (u.upgrading !== null) return ctx.m.breakVariant === 'no-conversion-refusal' ? {type: 'queued'} : {type: 'refused', reason: 'conversion-deadlock'}
  if (h.callback === 'release') return {type: 'refused', reason: 'callback-pending'}
  if (u.holders.size === 1) {
    h.mode = 'EX'
    u.generation += 1
    callbacks(ctx)
    return {type: 'granted', mode: 'EX', seq: h.seq, generation: u.generation, page: null}
  }
  u.upgrading = req.node
  callbacks(ctx)
  beginWait(ctx.m.graph, req.node, ctx.unit, 'EX')
  detect(ctx.m.graph, req.node, ctx.unit, 'wait', ctx.out)
  return {type: 'queued'}
}

function demote(ctx: Ctx, req: Req<'demote'>): ReplyOf['demote'] {
  const {u} = ctx
  assertPages(ctx.unit, req.writeback)
  const h = u.holders.get(req.node)
  if (h === undefined || h.seq !== req.seq) return {type: 'stale', rejected: req.writeback.length}
  protocol(!(req.to === 'SH' && h.mode === 'SH'), `demote: node ${req.node} holds ${ctx.unit} SH already`)
  if (!writebackAcceptable(u, h, req.generation, req.writeback)) return {type: 'stale', rejected: req.writeback.length}
  applyWriteback(ctx.m, req.generation, req.writeback)
  // A pin record exists only while a callback is pending (a defer needs one): skip the write otherwise.
  if (h.callback !== 'none') unmarkPinned(ctx.m.graph, req.node, ctx.unit)
  if (req.to === 'UN') {
    u.holders.delete(req.node)
    if (u.upgrading === req.node) {
      u.upgrading = null
      endWait(ctx.m.graph, req.node, ctx.unit)
    }
  } else {
    h.mode = 'SH'
    if (h.callback !== 'release') h.callback = 'none'
  }
  grantWaiters(ctx)
  callbacks(ctx)
  return {type: 'demoted', accepted: req.writeback.length}
}

function writeback(ctx: Ctx, req: Req<'writeback'>): ReplyOf['writeback'] {
  const {u} = ctx
  assertPages(ctx.unit, req.writeback)
  const h = u.holders.get(req.node)
  if (h === undefined || h.seq !== req.seq) return {type: 'stale', rejected: req.writeback.length}
  if (!writebackAcceptable(u, h, req.generation, req.writeback)) return {type: 'stale', rejected: req.writeback.length}
  applyWriteback(ctx.m, req.generation, req.writeback)
  return {type: 'written', accepted: req.writeback.length}
}

function cancel(ctx: Ctx, node: NodeId): ReplyOf['cancel'] {
  const {u} = ctx
  const index = u.queue.findIndex((w) => w.node === node)
  if (index >= 0) u.queue.splice(index, 1)
  else if (u.upgrading === node) u.upgrading = null
  else return {type: 'not-waiting'}
  endWait(ctx.m.graph, node, ctx.unit)
  grantWaiters(ctx)
  callbacks(ctx)
  return {type: 'cancelled'}
}

function defer(ctx: Ctx, req: Req<'defer'>): ReplyOf['defer'] {
  const h = ctx.u.holders.get(req.node)
  // No such hold, or no callback pending on it (nothing to defer): record nothing.
  if (h === undefined || h.seq !== req.seq || h.callback === 'none') return {type: 'stale', rejected: 0}
  if (markPinned(ctx.m.graph, req.node, ctx.unit, h.mode, h.seq)) detect(ctx.m.graph, req.node, ctx.unit, 'pin', ctx.out)
  return {type: 'noted'}
}

function assertPages(unit: UnitId, pages: readonly Writeback[]): void {
  for (const w of pages) {
    protocol(pageInUnit(unit, w.page), `write-back of page ${pageKey(w.page)} which is not in unit ${unit}`)
  }
}

// Fencing: only the current EX hold may write. An empty write-back has nothing to fence, so
// it never makes a demote stale (a clean SH holder answering a release carries no pages).
function writebackAcceptable(u: Unit, h: Holder, generation: number, pages: readonly Writeback[]): boolean {
  if (pages.length === 0) return true
  return h.mode === 'EX' && generation === u.generation
}

function applyWriteback(m: ManagerModel, generation: number, pages: readonly Writeback[]): void {
  for (const w of pages) {
    const key = pageKey(w.page)
    const version = (m.disk.get(key)?.version ?? 0) + 1
    m.disk.set(key, {data: new Uint8Array(w.data), version, generation})
  }
}

function compatible(u: Unit, mode: HeldMode): boolean {
  if (mode === 'EX') return u.holders.size === 0
  for (const h of u.holders.values()) if (h.mode !== 'SH') return false
  return true
}

function grantFresh(u: Unit, node: NodeId, mode: HeldMode): void {
  u.seq += 1
  if (mode === 'EX') u.generation += 1
  u.holders.set(node, {mode, seq: u.seq, callback: 'none'})
}

function send(ctx: Ctx, to: NodeId, message: NodeMessage): void {
  ctx.out.push({to, message})
}

function grantWaiters(ctx: Ctx): void {
  const {u} = ctx
  if (u.upgrading !== null) {
    const upgrader = u.upgrading
    const h = u.holders.get(upgrader)
    assert(h !== undefined && h.mode === 'SH', `upgrader ${upgrader} holds SH`)
    if (u.holders.size !== 1) return
    h.mode = 'EX'
    u.generation += 1
    u.upgrading = null
    endWait(ctx.m.graph, upgrader, ctx.unit)
    send(ctx, upgrader, {type: 'grant', unit: ctx.unit, mode: 'EX', seq: h.seq, generation: u.generation, upgrade: true, page: null})
  }
  for (let head = u.queue[0]; head !== undefined && compatible(u, head.mode); head = u.queue[0]) {
    u.queue.shift()
    endWait(ctx.m.graph, head.node, ctx.unit)
    grantFresh(u, head.node, head.mode)
    send(ctx, head.node, {type: 'grant', unit: ctx.unit, mode: head.mode, seq: u.seq, generation: u.generation, upgrade: false, page: diskPage(ctx.m, head.page)})
  }
}

/** What each blocking holder must do for progress, or nothing when no one is blocked. */
function neededCallback(u: Unit, node: NodeId): 'release' | 'downgrade' | null {
  const h = u.holders.get(node)
  if (h === undefined) return null
  if (u.upgrading !== null) return node === u.upgrading ? null : 'release'
  const head = u.queue[0]
  if (head === undefined) return null
  if (head.mode === 'EX') return 'release'
  return h.mode === 'EX' ? 'downgrade' : null
}

function callbacks(ctx: Ctx): void {
  const {u} = ctx
  const nodes = [...u.holders.keys()].sort((a, b) => a - b)
  const released: NodeId[] = []
  for (const node of nodes) {
    const need = neededCallback(u, node)
    const h = u.holders.get(node)
    assert(h !== undefined, 'holder exists')
    if (need === null) continue
    if (h.callback === 'none' || (h.callback === 'downgrade' && need === 'release')) {
      h.callback = need
      send(ctx, node, {type: 'callback', unit: ctx.unit, kind: need, seq: h.seq})
      if (need === 'release' && ctx.m.breakVariant === 'early-grant') released.push(node)
    }
  }
  if (released.length === 0) return
  // early-grant (broken): a holder asked to release counts as gone at once, before it acked.
  for (const node of released) {
    u.holders.delete(node)
    if (u.upgrading === node) u.upgrading = null
  }
  grantWaiters(ctx)
  callbacks(ctx)
}

function checkInvariants(unit: UnitId, u: Unit): void {
  const modes = [...u.holders.values()].map((h) => h.mode)
  const ex = modes.filter((mode) => mode === 'EX').length
  assert(ex <= 1, `${unit}: at most one EX holder`)
  assert(ex === 0 || u.holders.size === 1, `${unit}: EX excludes other holders`)
  const queued = new Set(u.queue.map((w) => w.node))
  assert(queued.size === u.queue.length, `${unit}: queue has no duplicates`)
  for (const node of queued) assert(!u.holders.has(node), `${unit}: queued node ${node} holds nothing`)
  if (u.upgrading !== null) {
    assert(u.holders.get(u.upgrading)?.mode === 'SH', `${unit}: upgrader ${u.upgrading} is an SH holder`)
    assert(u.holders.size > 1, `${unit}: a lone upgrader would have been granted`)
  }
  const seqs = new Set<number>()
  for (const h of u.holders.values()) {
    assert(h.seq >= 1 && h.seq <= u.seq && !seqs.has(h.seq), `${unit}: holder seqs are distinct and issued`)
    seqs.add(h.seq)
    assert(!(h.mode === 'SH' && h.callback === 'downgrade'), `${unit}: only EX holders are asked to downgrade`)
  }
  const head = u.queue[0]
  if (u.upgrading === null && head !== undefined) assert(!compatible(u, head.mode), `${unit}: a compatible queue head would have been granted`)
  for (const [node, h] of u.holders) {
    const need = neededCallback(u, node)
    if (need === 'release') assert(h.callback === 'release', `${unit}: node ${node} was asked to release`)
    if (need === 'downgrade') assert(h.callback !== 'none', `${unit}: node ${node} was asked to downgrade`)
  }
}

// ---------------------------------------------------------------------------
// Node death (lease expiry). docs/PROTOCOL.md "Node loss". A dead node id is fenced for good:
// a restarted node comes back under a new id (a new incarnation), so nothing it asks for can
// be confused with what the dead one held.
// ---------------------------------------------------------------------------

/** What a purge removed from one unit. */
export interface PurgeReply {
  readonly type: 'purged'
  /** The mode the dead node held, or null. */
  readonly held: HeldMode | null
  /** It was queued (or upgrading). */
  readonly waiting: boolean
}

export interface PurgeDecision {
  readonly reply: PurgeReply
  readonly out: Outgoing[]
}

/**
 * A request from a node already declared dead: acquire/upgrade are refused outright (protocol
 * error, the node must rejoin under a new id), write-backs are fenced (`stale`), cancel finds
 * nothing. Checked before anything else, so a dead node changes nothing.
 */
function deadNodeReply(req: ManagerRequest): ManagerReply {
  switch (req.type) {
    case 'acquire':
    case 'upgrade':
      throw new ProtocolError(`node ${req.node} is dead`)
    case 'demote':
    case 'writeback':
      assertPages(req.unit, req.writeback)
      return {type: 'stale', rejected: req.writeback.length}
    case 'cancel':
      return {type: 'not-waiting'}
    case 'defer':
      return {type: 'stale', rejected: 0}
  }
}

/** Marks `node` dead; returns the units it holds or waits on (each must then be purged). */
export function declareDead(m: ManagerModel, node: NodeId): UnitId[] {
  protocol(Number.isSafeInteger(node) && node >= 0, `node id must be a non-negative integer: ${node}`)
  m.dead.add(node)
  const units: UnitId[] = []
  for (const [unit, u] of m.units) {
    if (u.holders.has(node) || u.upgrading === node || u.queue.some((w) => w.node === node)) units.push(unit)
  }
  return units.sort()
}

/**
 * Removes a dead node from one unit: its hold (an EX hold bumps the generation, so a write-back
 * it made under that hold is refused from now on), its pending upgrade, its queue entry; then
 * waiters are granted and callbacks sent as after any release.
 */
export function purge(m: ManagerModel, node: NodeId, unit: UnitId): PurgeDecision {
  protocol(m.dead.has(node), `purge: node ${node} was not declared dead`)
  const u = unitOf(m, unit)
  checkInvariants(unit, u)
  const out: Outgoing[] = []
  const ctx: Ctx = {m, unit, u, out}
  const h = u.holders.get(node)
  const index = u.queue.findIndex((w) => w.node === node)
  const waiting = index >= 0 || u.upgrading === node
  if (index >= 0) u.queue.splice(index, 1)
  if (u.upgrading === node) u.upgrading = null
  // Out of the wait-for graph too: a dead node waits for nothing and pins nothing.
  if (waiting) endWait(m.graph, node, unit)
  if (h !== undefined) {
    if (h.callback !== 'none') unmarkPinned(m.graph, node, unit)
    u.holders.delete(node)
    if (h.mode === 'EX') u.generation += 1
  }
  if (h !== undefined || waiting) {
    grantWaiters(ctx)
    callbacks(ctx)
  }
  checkInvariants(unit, u)
  return {reply: {type: 'purged', held: h?.mode ?? null, waiting}, out}
}
