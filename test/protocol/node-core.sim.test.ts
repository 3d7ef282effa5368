// Randomized: 2-3 NodeCores against a tiny in-test manager that follows docs/PROTOCOL.md, with
// replies, stream messages and disk reads delivered in random order (FIFO per node and channel).
// After every step: local invariants, the cluster invariant (one EX or RW node per unit, never RW
// beside RO), node views agreeing with the manager, and every read seeing the last write.
import {describe, expect, it} from 'vitest'
import {NodeCore, type NodeCoreConfig} from '../../src/protocol/node-core.js'
import {createRng} from '../../src/workload/random.js'
import {
  pageKey,
  unitOf,
  type DiskPage,
  type Granularity,
  type HeldMode,
  type ManagerReply,
  type ManagerRequest,
  type NodeEffect,
  type NodeId,
  type NodeInput,
  type NodeMessage,
  type Outgoing,
  type PageBytes,
  type PageRef,
  type ProtocolSettings,
  type RequestId,
  type UnitId,
} from '../../src/protocol/types.js'
import {replyInput} from '../../src/protocol/types.js'

const PAGE_SIZE = 8
const PAGES: readonly PageRef[] = [
  {file: 'a', page: 0},
  {file: 'a', page: 1},
  {file: 'b', page: 0},
]

function seededRandom(seed: number): () => number {
  const rng = createRng(seed)
  return () => rng.nextFloat()
}

function fail(message: string): never {
  throw new Error(message)
}

// ---------------------------------------------------------------------------------------------
// The manager, straight from docs/PROTOCOL.md "The manager".

type CallbackState = 'none' | 'release' | 'downgrade'
interface Holder {
  mode: HeldMode
  readonly seq: number
  callback: CallbackState
}
interface ManagedUnit {
  generation: number
  seq: number
  readonly holders: Map<NodeId, Holder>
  readonly queue: {readonly node: NodeId; readonly mode: HeldMode; readonly page: PageRef}[]
  upgrading: NodeId | null
}
interface DiskEntry {
  data: PageBytes
  version: number
  generation: number
}

class FakeManager {
  readonly units = new Map<UnitId, ManagedUnit>()
  readonly disk = new Map<string, DiskEntry>()

  unit(id: UnitId): ManagedUnit {
    let u = this.units.get(id)
    if (u === undefined) {
      u = {generation: 0, seq: 0, holders: new Map(), queue: [], upgrading: null}
      this.units.set(id, u)
    }
    return u
  }

  read(page: PageRef): DiskPage {
    const d = this.disk.get(pageKey(page))
    return {page, data: d?.data ?? null, version: d?.version ?? 0}
  }

  handle(req: ManagerRequest): {reply: ManagerReply; out: Outgoing[]} {
    const u = this.unit(req.unit)
    const out: Outgoing[] = []
    const reply = this.decide(u, req, out)
    return {reply, out}
  }

  private decide(u: ManagedUnit, req: ManagerRequest, out: Outgoing[]): ManagerReply {
    switch (req.type) {
      case 'acquire': {
        if (u.holders.has(req.node) || u.queue.some((w) => w.node === req.node)) fail(`acquire by node ${req.node}, which holds or waits for ${req.unit}`)
        if (u.queue.length === 0 && u.upgrading === null && compatible(req.mode, u)) {
          const h = this.grant(u, req.node, req.mode)
          return {type: 'granted', mode: req.mode, seq: h.seq, generation: u.generation, page: this.read(req.page)}
        }
        if (req.try) return {type: 'busy'}
        u.queue.push({node: req.node, mode: req.mode, page: req.page})
        this.callbacks(u, req.unit, out)
        return {type: 'queued'}
      }
      case 'upgrade': {
        const h = u.holders.get(req.node)
        if (h === undefined || h.mode !== 'SH' || h.seq !== req.seq) fail(`upgrade of seq ${req.seq} by node ${req.node}, which does not hold it SH`)
        if (u.upgrading !== null) {
          if (u.upgrading === req.node) fail(`node ${req.node} upgrades twice`)
          return {type: 'refused', reason: 'conversion-deadlock'}
        }
        if (h.callback === 'release') return {type: 'refused', reason: 'callback-pending'}
        if (u.holders.size === 1) {
          h.mode = 'EX'
          u.generation++
          return {type: 'granted', mode: 'EX', seq: h.seq, generation: u.generation, page: null}
        }
        u.upgrading = req.node
        this.callbacks(u, req.unit, out)
        return {type: 'queued'}
      }
      case 'demote': {
        const h = u.holders.get(req.node)
        if (h === undefined || h.seq !== req.seq) return {type: 'stale', rejected: req.writeback.length}
        if (req.writeback.length > 0 && !(h.mode === 'EX' && req.generation === u.generation)) return {type: 'stale', rejected: req.writeback.length}
        this.write(req.writeback, req.generation)
        if (req.to === 'UN') {
          u.holders.delete(req.node)
          if (u.upgrading === req.node) u.upgrading = null
        } else {
          if (h.mode !== 'EX') fail(`node ${req.node} demotes SH to SH`)
          h.mode = 'SH'
          if (h.callback !== 'release') h.callback = 'none'
        }
        this.grantWaiters(u, req.unit, out)
        this.callbacks(u, req.unit, out)
        return {type: 'demoted', accepted: req.writeback.length}
      }
      case 'writeback': {
        const h = u.holders.get(req.node)
        if (h === undefined || h.seq !== req.seq || h.mode !== 'EX' || req.generation !== u.generation) return {type: 'stale', rejected: req.writeback.length}
        this.write(req.writeback, req.generation)
        return {type: 'written', accepted: req.writeback.length}
      }
      case 'cancel':
        return fail('the node core cancels only when told to abandon a wait, which this simulation never does')
      case 'defer':
        // A pin-deferred callback, reported for the wait-for graph: this manager keeps none.
        return {type: 'noted'}
    }
  }

  private write(pages: readonly {page: PageRef; data: PageBytes}[], generation: number): void {
    for (const w of pages) {
      const key = pageKey(w.page)
      const prev = this.disk.get(key)
      if (prev !== undefined && prev.generation > generation) fail(`write-back of ${key} under generation ${generation} after ${prev.generation}`)
      this.disk.set(key, {data: w.data.slice(), version: (prev?.version ?? 0) + 1, generation})
    }
  }

  private grant(u: ManagedUnit, node: NodeId, mode: HeldMode): Holder {
    u.seq++
    if (mode === 'EX') u.generation++
    const h: Holder = {mode, seq: u.seq, callback: 'none'}
    u.holders.set(node, h)
    return h
  }

  private grantWaiters(u: ManagedUnit, unit: UnitId, out: Outgoing[]): void {
    if (u.upgrading !== null) {
      const node = u.upgrading
      const h = u.holders.get(node) ?? fail(`upgrader ${node} holds nothing`)
      if (u.holders.size !== 1) return
      h.mode = 'EX'
      u.generation++
      u.upgrading = null
      out.push({to: node, message: {type: 'grant', unit, mode: 'EX', seq: h.seq, generation: u.generation, upgrade: true, page: null}})
    }
    for (let head = u.queue[0]; head !== undefined && compatible(head.mode, u); head = u.queue[0]) {
      u.queue.shift()
      const h = this.grant(u, head.node, head.mode)
      out.push({to: head.node, message: {type: 'grant', unit, mode: head.mode, seq: h.seq, generation: u.generation, upgrade: false, page: this.read(head.page)}})
    }
  }

  private callbacks(u: ManagedUnit, unit: UnitId, out: Outgoing[]): void {
    const need = new Map<NodeId, 'release' | 'downgrade'>()
    const head = u.queue[0]
    if (u.upgrading !== null) {
      for (const node of u.holders.keys()) if (node !== u.upgrading) need.set(node, 'release')
    } else if (head !== undefined) {
      for (const [node, h] of u.holders) {
        if (head.mode === 'EX') need.set(node, 'release')
        else if (h.mode === 'EX') need.set(node, 'downgrade')
      }
    }
    for (const node of [...need.keys()].sort((a, b) => a - b)) {
      const kind = need.get(node) ?? fail('unreachable')
      const h = u.holders.get(node) ?? fail('unreachable')
      if (h.callback === 'none' || (h.callback === 'downgrade' && kind === 'release')) {
        h.callback = kind
        out.push({to: node, message: {type: 'callback', unit, kind, seq: h.seq}})
      }
    }
  }
}

function compatible(mode: HeldMode, u: ManagedUnit): boolean {
  if (mode === 'EX') return u.holders.size === 0
  for (const h of u.holders.values()) if (h.mode !== 'SH') return false
  return true
}

// ---------------------------------------------------------------------------------------------
// The cluster: nodes, channels, the workload, and the checks.

type PendingOp =
  | {readonly kind: 'read'; readonly page: PageRef}
  | {readonly kind: 'write'; readonly page: PageRef; readonly data: PageBytes}
  | {readonly kind: 'pin'; readonly unit: UnitId}
  | {readonly kind: 'sync'}

interface SimNode {
  readonly id: NodeId
  readonly core: NodeCore
  readonly requests: ManagerRequest[]
  readonly replies: Extract<NodeInput, {type: 'reply'}>[]
  readonly stream: NodeMessage[]
  readonly diskReads: PageRef[]
  wakes: number[]
  readonly ops: Map<RequestId, PendingOp>
  readonly pinned: UnitId[]
}

interface SimStats {
  steps: number
  accesses: number
  callbacks: number
  faults: Record<string, number>
  /** Races and rare paths seen, to make sure the runs reach them. */
  paths: Record<string, number>
}

class Cluster {
  readonly manager = new FakeManager()
  readonly nodes: SimNode[]
  readonly units: UnitId[]
  readonly lastWrite = new Map<string, PageBytes>()
  readonly stats: SimStats = {steps: 0, accesses: 0, callbacks: 0, faults: {}, paths: {}}
  now = 0
  nextId = 1
  private writes = 0

  constructor(
    readonly settings: ProtocolSettings,
    nodeCount: number,
    readonly rand: () => number,
  ) {
    this.nodes = Array.from({length: nodeCount}, (_, i) => {
      const config: NodeCoreConfig = {...settings, node: i + 1}
      return {id: i + 1, core: new NodeCore(config), requests: [], replies: [], stream: [], diskReads: [], wakes: [], ops: new Map(), pinned: []}
    })
    this.units = [...new Set(PAGES.map((p) => unitOf(p, settings.granularity)))]
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.rand() * items.length)] ?? fail('pick from nothing')
  }

  feed(n: SimNode, input: NodeInput): void {
    const effects = n.core.step(this.now, input)
    n.core.assertInvariants()
    for (const e of effects) this.apply(n, e)
    this.checkCluster()
    this.stats.steps++
  }

  private apply(n: SimNode, e: NodeEffect): void {
    switch (e.type) {
      case 'send':
        n.requests.push(e.request)
        return
      case 'read-disk':
        n.diskReads.push(e.page)
        return
      case 'wake':
        n.wakes.push(e.at)
        return
      case 'pte': {
        if (e.to === 'none') return
        // A mapping is only ever made under a hold the manager agrees the node has.
        const h = this.manager.unit(e.unit).holders.get(n.id)
        if (h === undefined || h.seq !== e.seq) fail(`node ${n.id} maps ${pageKey(e.page)} ${e.to} under seq ${e.seq}, manager says ${h?.seq}`)
        if (e.to === 'RW' && (h.mode !== 'EX' || e.generation !== this.manager.unit(e.unit).generation)) fail(`node ${n.id} maps RW under a stale generation ${e.generation}`)
        return
      }
      case 'access-done': {
        const op = n.ops.get(e.id) ?? fail(`node ${n.id}: unknown access ${e.id}`)
        n.ops.delete(e.id)
        this.stats.accesses++
        this.stats.faults[e.fault] = (this.stats.faults[e.fault] ?? 0) + 1
        if (op.kind === 'write') {
          expect(e.data).toEqual(op.data)
          this.lastWrite.set(pageKey(op.page), op.data)
        } else if (op.kind === 'read') {
          const want = this.lastWrite.get(pageKey(op.page)) ?? new Uint8Array(PAGE_SIZE)
          if (!equalBytes(e.data, want)) fail(`node ${n.id} read ${pageKey(op.page)} = [${e.data.join()}], last write was [${want.join()}]`)
        } else fail(`access-done for ${op.kind}`)
        return
      }
      case 'pinned': {
        const op = n.ops.get(e.id)
        if (op?.kind !== 'pin') return fail(`node ${n.id}: unknown pin ${e.id}`)
        n.ops.delete(e.id)
        n.pinned.push(op.unit)
        return
      }
      case 'synced':
        if (n.ops.get(e.id)?.kind !== 'sync') fail(`node ${n.id}: unknown sync ${e.id}`)
        n.ops.delete(e.id)
        return
      case 'callback-done':
        this.stats.callbacks++
        return
    }
  }

  /** One EX (or RW) node per unit, never RW beside RO, and every node view backed by the manager. */
  checkCluster(): void {
    for (const unit of this.units) {
      const m = this.manager.unit(unit)
      const holding = this.nodes.filter((n) => n.core.heldMode(unit) !== 'UN')
      const ex = holding.filter((n) => n.core.heldMode(unit) === 'EX')
      if (ex.length > 0 && holding.length > 1) fail(`unit ${unit}: node ${ex[0]?.id} holds EX while nodes ${holding.map((n) => n.id).join()} hold it`)
      for (const n of holding) {
        const h = m.holders.get(n.id)
        if (h === undefined) fail(`unit ${unit}: node ${n.id} thinks it holds ${n.core.heldMode(unit)}, the manager disagrees`)
        if (n.core.heldMode(unit) === 'EX' && h.mode !== 'EX') fail(`unit ${unit}: node ${n.id} thinks EX, manager says ${h.mode}`)
      }
      for (const page of PAGES.filter((p) => unitOf(p, this.settings.granularity) === unit)) {
        const ptes = this.nodes.map((n) => n.core.pte(page))
        const rw = ptes.filter((p) => p === 'RW').length
        const mapped = ptes.filter((p) => p !== 'none').length
        if (rw > 1 || (rw === 1 && mapped > 1)) fail(`page ${pageKey(page)}: PTEs ${ptes.join()} across nodes`)
      }
    }
  }

  /** Everything that can happen next, each with a weight. */
  actions(draining: boolean): {weight: number; run: () => void}[] {
    const acts: {weight: number; run: () => void}[] = []
    for (const n of this.nodes) {
      const head = n.requests[0]
      if (head !== undefined)
        acts.push({
          weight: 3,
          run: () => {
            n.requests.shift()
            const {reply, out} = this.manager.handle(head)
            if (reply.type === 'refused') this.seen(`refused ${reply.reason}`)
            if (reply.type === 'stale') this.seen('stale')
            for (const o of out) if (o.message.type === 'callback') this.seen(o.message.kind)
            n.replies.push(replyInput(head.unit, head.type, reply))
            for (const o of out) (this.nodes[o.to - 1] ?? fail(`no node ${o.to}`)).stream.push(o.message)
          },
        })
      const reply = n.replies[0]
      if (reply !== undefined) acts.push({weight: 3, run: () => (n.replies.shift(), this.feed(n, reply))})
      const message = n.stream[0]
      if (message !== undefined)
        acts.push({
          weight: 3,
          run: () => {
            n.stream.shift()
            this.notePath(n, message)
            this.feed(n, {type: 'message', message})
          },
        })
      const read = n.diskReads[0]
      // The runtime reads the disk when it gets to it, not when asked.
      if (read !== undefined) acts.push({weight: 2, run: () => (n.diskReads.shift(), this.feed(n, {type: 'disk-read', page: this.manager.read(read)}))})
      if (n.wakes.some((t) => t <= this.now)) acts.push({weight: 2, run: () => ((n.wakes = n.wakes.filter((t) => t > this.now)), this.feed(n, {type: 'timer'}))})
      if (n.pinned.length > 0) acts.push({weight: draining ? 3 : 1, run: () => this.unpin(n)})
      if (!draining && n.ops.size < 3) {
        acts.push({weight: 4, run: () => this.access(n)})
        acts.push({weight: 0.3, run: () => this.pin(n)})
        acts.push({weight: 0.3, run: () => this.sync(n)})
      }
    }
    return acts
  }

  seen(path: string): void {
    this.stats.paths[path] = (this.stats.paths[path] ?? 0) + 1
  }

  private notePath(n: SimNode, m: NodeMessage): void {
    const view = n.core.snapshot().find((s) => s.unit === m.unit)
    const replyUnread = n.replies.some((r) => r.unit === m.unit) || n.requests.some((r) => r.unit === m.unit)
    if (m.type === 'grant' && replyUnread) this.seen('grant before its reply')
    if (m.type === 'callback') {
      if (view === undefined || m.seq < view.seq || (m.seq === view.seq && view.mode === 'UN')) this.seen('stale callback')
      else if (m.seq > view.seq) this.seen('callback before its grant')
      else if (view.blocked) this.seen('callback while serving one')
      else if (view.inflight?.request === 'upgrade') this.seen('callback during upgrade')
    }
  }

  private access(n: SimNode): void {
    const page = this.pick(PAGES)
    const id = this.nextId++
    if (this.rand() < 0.5) {
      n.ops.set(id, {kind: 'read', page})
      this.feed(n, {type: 'access', id, page, kind: 'read', data: null})
    } else {
      const data = new Uint8Array(PAGE_SIZE)
      const w = ++this.writes
      data.set([n.id, w & 0xff, (w >> 8) & 0xff, (w >> 16) & 0xff])
      n.ops.set(id, {kind: 'write', page, data})
      this.feed(n, {type: 'access', id, page, kind: 'write', data})
    }
  }

  private pin(n: SimNode): void {
    const page = this.pick(PAGES)
    const unit = unitOf(page, this.settings.granularity)
    const id = this.nextId++
    n.ops.set(id, {kind: 'pin', unit})
    this.feed(n, {type: 'pin', id, unit, mode: this.rand() < 0.5 ? 'SH' : 'EX', page})
  }

  private unpin(n: SimNode): void {
    const i = Math.floor(this.rand() * n.pinned.length)
    const [unit] = n.pinned.splice(i, 1)
    if (unit === undefined) fail('unpin of nothing')
    this.feed(n, {type: 'unpin', unit})
  }

  private sync(n: SimNode): void {
    const id = this.nextId++
    n.ops.set(id, {kind: 'sync'})
    this.feed(n, {type: 'sync', id, unit: this.pick(this.units)})
  }

  run(steps: number): void {
    for (let i = 0; i < steps; i++) {
      this.now += Math.floor(this.rand() * 6)
      const acts = this.actions(false)
      // Every node is stuck with its maximum of operations: let the drain report what waits.
      if (acts.length === 0) break
      this.choose(acts).run()
    }
    // Drain: no new work; everything in flight must finish (liveness).
    for (let i = 0; ; i++) {
      if (i > 20_000) fail('no quiescence: something waits forever')
      const acts = this.actions(true)
      if (acts.length > 0) {
        this.choose(acts).run()
        continue
      }
      const nextWake = Math.min(...this.nodes.flatMap((n) => n.wakes))
      if (!Number.isFinite(nextWake)) break
      this.now = Math.max(this.now, nextWake)
    }
    this.checkQuiescent()
  }

  private choose(acts: {weight: number; run: () => void}[]): {weight: number; run: () => void} {
    const total = acts.reduce((s, a) => s + a.weight, 0)
    let r = this.rand() * total
    for (const a of acts) {
      r -= a.weight
      if (r < 0) return a
    }
    return acts[acts.length - 1] ?? fail('nothing to do')
  }

  private checkQuiescent(): void {
    for (const n of this.nodes) {
      if (n.ops.size > 0) fail(`node ${n.id}: operations never finished: ${[...n.ops.keys()].join()}`)
      for (const s of n.core.snapshot()) {
        if (s.inflight !== null || s.callback !== null || s.waiting.length > 0) fail(`node ${n.id}: unit ${s.unit} not quiescent: ${JSON.stringify(s)}`)
      }
    }
    for (const [unit, m] of this.manager.units) {
      if (m.queue.length > 0 || m.upgrading !== null) fail(`manager: unit ${unit} still has waiters`)
      for (const [node, h] of m.holders) {
        const n = this.nodes[node - 1] ?? fail(`no node ${node}`)
        if (n.core.heldMode(unit) !== h.mode) fail(`unit ${unit}: manager says node ${node} holds ${h.mode}, node says ${n.core.heldMode(unit)}`)
      }
    }
    // No write is lost: the last one is in the cache of whoever caches the page, else on disk.
    for (const page of PAGES) {
      const want = this.lastWrite.get(pageKey(page)) ?? new Uint8Array(PAGE_SIZE)
      const cached = this.nodes.map((n) => n.core.cached(page)).filter((c) => c !== null)
      for (const c of cached) if (!equalBytes(c.data, want)) fail(`page ${pageKey(page)} cached with stale bytes`)
      if (!cached.some((c) => c.dirty) && !equalBytes(this.manager.read(page).data ?? new Uint8Array(PAGE_SIZE), want)) fail(`page ${pageKey(page)}: last write lost`)
    }
  }
}

function equalBytes(a: PageBytes, b: PageBytes): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

// ---------------------------------------------------------------------------------------------

const GRANULARITIES: readonly Granularity[] = ['page', 'file']
const SETTINGS: ProtocolSettings[] = GRANULARITIES.flatMap((granularity) =>
  [0, 20].flatMap((holdTimeUs) => [
    {granularity, states: 'shared', downgrade: 'unmap', holdTimeUs, pageSize: PAGE_SIZE},
    {granularity, states: 'shared', downgrade: 'write-protect', holdTimeUs, pageSize: PAGE_SIZE},
    // Exclusive runs never downgrade: one downgrade style is enough.
    {granularity, states: 'exclusive', downgrade: 'unmap', holdTimeUs, pageSize: PAGE_SIZE},
  ]),
)

describe('randomized cluster against a PROTOCOL.md manager', () => {
  for (const settings of SETTINGS) {
    const name = `${settings.granularity} ${settings.states} ${settings.downgrade} hold=${settings.holdTimeUs}`
    it(name, () => {
      const totals = {accesses: 0, callbacks: 0, faults: {} as Record<string, number>, paths: {} as Record<string, number>}
      for (let seed = 1; seed <= 8; seed++) {
        const rand = seededRandom(seed * 7919 + settings.holdTimeUs)
        const cluster = new Cluster(settings, 2 + (seed % 2), rand)
        try {
          cluster.run(700)
        } catch (e) {
          throw new Error(`${name} seed ${seed} at step ${cluster.stats.steps}: ${(e as Error).message}`, {cause: e})
        }
        totals.accesses += cluster.stats.accesses
        totals.callbacks += cluster.stats.callbacks
        for (const [k, v] of Object.entries(cluster.stats.faults)) totals.faults[k] = (totals.faults[k] ?? 0) + v
        for (const [k, v] of Object.entries(cluster.stats.paths)) totals.paths[k] = (totals.paths[k] ?? 0) + v
      }
      // The runs must exercise the interesting paths, not just hits.
      expect(totals.callbacks).toBeGreaterThan(20)
      expect(totals.faults['after-callback'] ?? 0).toBeGreaterThan(10)
      // Page units mapped on grant only fault without traffic after an unmap or in exclusive runs.
      if (settings.granularity === 'file' || settings.states === 'exclusive' || settings.downgrade === 'unmap') expect(totals.faults['cached-lock'] ?? 0).toBeGreaterThan(10)
      if (process.env['NODE_CORE_SIM_STATS']) console.log(name, JSON.stringify(totals))
      expect(totals.paths['stale'] ?? 0).toBe(0)
      expect(totals.paths['grant before its reply'] ?? 0).toBeGreaterThan(0)
      expect(totals.paths['callback before its grant'] ?? 0).toBeGreaterThan(0)
      if (settings.states === 'shared') {
        expect(totals.faults['upgrade'] ?? 0).toBeGreaterThan(5)
        for (const path of ['downgrade', 'refused conversion-deadlock', 'refused callback-pending', 'callback during upgrade', 'stale callback']) {
          expect(totals.paths[path] ?? 0, path).toBeGreaterThan(0)
        }
      }
    })
  }
})
