// One state of the simulated cluster: every node core, the manager model, the messages in flight
// on each link (FIFO per link, as on a real connection), and where each node's program is.
// `apply` runs one action and checks every invariant; `clone` and `key` serve the exhaustive
// search. Everything is deterministic: no clock (time stays 0), no randomness.
import {CopyPlan, type CopyResult} from '../protocol/copy-plan.js'
import {InvariantError} from '../protocol/errors.js'
import {declareDead, diskBytes, diskPage, diskVersion, ProtocolError, unitState, type ManagerModel} from '../protocol/manager.js'
import {encodeStamp} from '../protocol/page-data.js'
import {cloneWaitGraph, describeCycle} from '../protocol/wait-graph.js'
import {stampOf as decodeStamp} from '../protocol/node-core-state.js'
import {pageKey, replyInput, unitOf, type ManagerRequest, type NodeEffect, type NodeInput, type NodeMessage, type UnitId} from '../protocol/types.js'
import {describeAction, handledText, messageText, replyText, requestText, stampText} from './describe.js'
import {checkCluster, checkPteEffect, checkStuck, checkWriteback, type OracleView} from './oracle.js'
import {describeOp} from './program.js'
import type {Protocol} from './protocol.js'
import type {SimNode, Step} from './sim-node.js'
import {forgetManagerKeys, identity, plain, requestKey, stateKey} from './state-key.js'
import {action, kindOf, nodeOf, type Action, type ModelConfig, type ModelOp, type Violation} from './types.js'
import {SimulatorError, simCheck, violated, ViolationError} from './violation.js'

export {ViolationError} from './violation.js'

const OK: CopyResult = {type: 'ok'}
const BUSY: CopyResult = {type: 'busy'}
/** Backoffs take no time in the model (every delay is some interleaving): no jitter needed. */
const NO_JITTER = (): number => 0.5

export class SimState implements OracleView {
  /** Stamp of the latest completed write of each page (`null`: never written). */
  lastWrite: Map<string, string | null>
  /** When set, `apply` returns a line saying what happened (for printed traces). */
  describe = false
  /** The clock (microseconds): it only moves when a timer fires. */
  now = 0
  /** Kills the search may still make (ModelConfig.kills). */
  killsLeft = 0
  pausesLeft = 0
  partitionsLeft = 0

  private constructor(
    readonly model: ModelConfig,
    readonly protocol: Protocol,
    nodes: SimNode[],
    manager: ManagerModel,
    lastWrite: Map<string, string | null>,
  ) {
    this.#nodes = nodes
    this.#manager = manager
    this.lastWrite = lastWrite
    this.#owned = nodes.map(() => true)
  }

  // Copy on write: a clone shares its parent's nodes and manager, and copies one only before it
  // changes it (an action changes one node, and the manager on a request), so a transition copies
  // what it touches. A node's key text is cached on it (state-key.ts) and dropped here, on write.
  #nodes: SimNode[]
  #manager: ManagerModel
  #owned: boolean[]
  #managerOwned = true

  get nodes(): readonly SimNode[] {
    return this.#nodes
  }

  get manager(): ManagerModel {
    return this.#manager
  }

  /** Node i, this state's own copy, about to change. */
  private own(i: number): SimNode {
    let n = this.#nodes[i]
    if (n === undefined) throw new SimulatorError(`no node ${i}`)
    if (!this.#owned[i]) {
      n = copyNode(n)
      this.#nodes[i] = n
      this.#owned[i] = true
    }
    n.keys = null
    return n
  }

  /** The manager, this state's own copy, about to change. */
  private ownManager(): ManagerModel {
    if (!this.#managerOwned) {
      this.#manager = copyManager(this.#manager)
      this.#managerOwned = true
    }
    forgetManagerKeys(this.#manager)
    return this.#manager
  }

  static initial(model: ModelConfig, protocol: Protocol): SimState {
    const nodes = model.programs.map((_, n) => ({
      core: protocol.newCore({...model.settings, node: n}),
      inc: 0,
      zombie: false,
      cut: false,
      requests: [],
      replies: [],
      stream: [],
      disk: [],
      pc: 0,
      steps: [],
      si: 0,
      awaiting: null,
      buf: null,
      wakes: [],
      plan: null,
      result: null,
      aborting: false,
      keys: null,
    }))
    const s = new SimState(model, protocol, nodes, protocol.newManager(), new Map(model.pages.map((p) => [pageKey(p), null])))
    s.killsLeft = model.kills ?? 0
    s.pausesLeft = model.pauses ?? 0
    s.partitionsLeft = model.partitions ?? 0
    return s
  }

  clone(): SimState {
    const c = new SimState(this.model, this.protocol, [...this.#nodes], this.#manager, new Map(this.lastWrite))
    // Both share every node and the manager now: each copies what it changes.
    this.#owned.fill(false)
    c.#owned.fill(false)
    this.#managerOwned = false
    c.#managerOwned = false
    c.now = this.now
    c.killsLeft = this.killsLeft
    c.pausesLeft = this.pausesLeft
    c.partitionsLeft = this.partitionsLeft
    return c
  }

  /** Canonical text of the state (src/sim/state-key.ts); symmetry reduction hashes canonicalKey instead. */
  key(): string {
    return stateKey(this, identity(this.nodes.length), this.nodes.map((_, i) => i))
  }

  // -----------------------------------------------------------------------------------------
  // Actions

  /** Every action enabled here, in a fixed order (node by node). */
  enabled(): Action[] {
    const out: Action[] = []
    for (let i = 0; i < this.nodes.length; i++) {
      const n = this.nodes[i] as SimNode
      if (this.canStep(i, n)) out.push(action('op', i))
      if (n.requests.length > 0 && !n.cut) out.push(action('req', i))
      if (n.replies.length > 0 && !n.cut) out.push(action('rep', i))
      if (n.stream.length > 0 && !n.cut) out.push(action('msg', i))
      if (n.disk.length > 0 && !n.cut) out.push(action('disk', i))
      if (n.wakes.length > 0) out.push(action('timer', i))
      // A partition in progress can always go on (lease expiry, heal): it never makes a deadlock.
      if (n.cut) out.push(action('part', i))
    }
    const started = out.length > 0
    // A kill only while something else can happen: a stuck state stays stuck (a deadlock is
    // reported, not killed away) and a finished run ends.
    if (out.length > 0) {
      for (let i = 0; i < this.nodes.length; i++) if (this.killsLeft > 0 && !(this.nodes[i] as SimNode).zombie) out.push(action('kill', i))
      for (let i = 0; i < this.nodes.length; i++) if (this.pausesLeft > 0 && !(this.nodes[i] as SimNode).zombie) out.push(action('pause', i))
    }
    if (started) for (let i = 0; i < this.nodes.length; i++) if (this.partitionsLeft > 0 && !(this.nodes[i] as SimNode).zombie && !(this.nodes[i] as SimNode).cut) out.push(action('part', i))
    return out
  }

  /** Process id of node i's current incarnation (the manager's node id for it). */
  pid(i: number): number {
    return i + (this.nodes[i]?.inc ?? 0) * this.nodes.length
  }

  /** The node slot of a process id, or -1 when that incarnation is dead (not the slot's current one). */
  slotOf(pid: number): number {
    const i = pid % this.nodes.length
    return this.pid(i) === pid ? i : -1
  }

  /** The application thread can take a step: it waits for nothing and has something left to do. */
  hasWork(i: number, n: SimNode = this.nodes[i] as SimNode): boolean {
    return n.awaiting === null && (n.si < n.steps.length || n.plan !== null || n.pc < (this.model.programs[i]?.length ?? 0))
  }

  /** A paused zombie's next op resumes it; a cut-off one (lease or not) keeps running its program. */
  private canStep(i: number, n: SimNode): boolean {
    return (n.zombie && !n.cut) || this.hasWork(i, n)
  }

  isEnabled(a: Action): boolean {
    const i = nodeOf(a)
    const n = this.nodes[i]
    if (n === undefined) return false
    switch (kindOf(a)) {
      case 'op':
        return this.canStep(i, n)
      case 'req':
        return n.requests.length > 0 && !n.cut
      case 'rep':
        return n.replies.length > 0 && !n.cut
      case 'msg':
        return n.stream.length > 0 && !n.cut
      case 'disk':
        return n.disk.length > 0 && !n.cut
      case 'timer':
        return n.wakes.length > 0
      case 'kill':
      case 'pause':
      case 'part':
        return this.enabled().includes(a)
    }
  }

  /** Runs one enabled action; throws ViolationError when an invariant breaks. */
  apply(a: Action): string {
    try {
      return this.applyUnchecked(a)
    } catch (e) {
      if (e instanceof ViolationError && this.describe) e.said = describeAction(this.model, this.nodes, a)
      throw e
    }
  }

  private applyUnchecked(a: Action): string {
    const i = nodeOf(a)
    const n = this.own(i)
    let said = ''
    switch (kindOf(a)) {
      case 'op':
        said = this.runStep(i, n)
        break
      case 'req': {
        const req = n.requests.shift()
        simCheck(req !== undefined, `req${i}: nothing to deliver`)
        said = this.handle(i, req)
        break
      }
      case 'rep': {
        const rep = n.replies.shift()
        simCheck(rep !== undefined, `rep${i}: nothing to deliver`)
        if (this.describe) said = `node ${i} reads reply ${replyText(rep)}`
        this.feed(i, n, rep)
        break
      }
      case 'msg': {
        const m = n.stream.shift()
        simCheck(m !== undefined, `msg${i}: nothing to deliver`)
        if (this.describe) said = `node ${i} receives ${messageText(m)}`
        this.feed(i, n, {type: 'message', message: m})
        break
      }
      case 'disk': {
        const p = n.disk.shift()
        simCheck(p !== undefined, `disk${i}: nothing to deliver`)
        const page = diskPage(this.manager, p)
        if (this.describe) said = `node ${i} gets disk read ${pageKey(p)} = ${stampText(page.data)}`
        this.feed(i, n, {type: 'disk-read', page})
        break
      }
      case 'timer': {
        // Time moves to the earliest wake of this node: every later wake stays pending.
        const at = Math.min(...n.wakes)
        this.now = Math.max(this.now, at)
        n.wakes = n.wakes.filter((t) => t > this.now)
        if (this.describe) said = `node ${i}'s timer fires (time ${this.now} us)`
        this.feed(i, n, {type: 'timer'})
        break
      }
      case 'kill':
        simCheck(this.killsLeft > 0, 'kill without a kill left')
        this.killsLeft--
        said = this.kill(i, n)
        break
      case 'pause': {
        simCheck(this.pausesLeft > 0 && !n.zombie, 'pause without a pause left')
        this.pausesLeft--
        const old = this.pid(i)
        const lost = this.declareDead(i)
        n.zombie = true
        if (this.describe) said = `node ${i} pauses past its lease: the manager purges node ${old}${lost.length > 0 ? ` (writes lost: ${lost.join(', ')})` : ''}; its lock daemon still runs`
        break
      }
      case 'part':
        said = this.partition(i, n)
        break
    }
    checkCluster(this)
    return said
  }

  /** One phase of a partition: cut off -> lease expired (declared dead) -> healed. */
  private partition(i: number, n: SimNode): string {
    const old = this.pid(i)
    if (!n.cut) {
      simCheck(this.partitionsLeft > 0 && !n.zombie, 'partition without a partition left')
      this.partitionsLeft--
      n.cut = true
      return this.describe ? `node ${i} is cut off from the manager (its links hold what they carry; it keeps running)` : ''
    }
    if (!n.zombie) {
      const lost = this.declareDead(i)
      n.zombie = true
      return this.describe ? `node ${i}'s lease expires: the manager purges node ${old}${lost.length > 0 ? ` (writes lost: ${lost.join(', ')})` : ''}` : ''
    }
    n.cut = false
    return this.describe ? `node ${i}'s partition heals: what its links held is delivered late` : ''
  }

  private runStep(i: number, n: SimNode): string {
    if (n.zombie && !n.cut) {
      // Resumed: its lease is lost, so it drops everything and restarts (its op in flight is `info`).
      const old = this.pid(i)
      this.restart(i, n)
      return this.describe ? `node ${i} (node ${old}) resumes, finds its lease lost and restarts as node ${this.pid(i)}` : ''
    }
    let said = ''
    if (n.si >= n.steps.length && n.plan !== null) {
      const next = this.planStep(i, n, n.plan)
      if (typeof next === 'string') return next
      n.steps = [next]
      n.si = 0
    } else if (n.si >= n.steps.length) {
      const op = this.model.programs[i]?.[n.pc]
      if (op === undefined) throw new SimulatorError(`op${i}: program finished`)
      n.steps = this.expand(i, n, op)
      n.si = 0
      n.pc++
      if (this.describe) said = `node ${i} starts op ${n.pc - 1}: ${describeOp(op)}`
      if (n.steps.length === 0) return said
    }
    const step = n.steps[n.si] as Step
    const id = n.pc * 64 + n.si
    n.si++
    switch (step.k) {
      case 'access':
        n.awaiting = id
        this.feed(i, n, {type: 'access', id, page: step.page, kind: step.kind, data: step.data})
        return said || `node ${i} ${step.kind}s ${pageKey(step.page)}`
      case 'copy-read':
        n.awaiting = id
        this.feed(i, n, {type: 'access', id, page: step.page, kind: 'read', data: null})
        return said || `node ${i} reads ${pageKey(step.page)} (copy source)`
      case 'copy-write': {
        const data = n.buf
        if (data === null) throw new SimulatorError(`node ${i}: copy write without a read`)
        n.buf = null
        n.awaiting = id
        this.feed(i, n, {type: 'access', id, page: step.page, kind: 'write', data})
        return said || `node ${i} writes ${pageKey(step.page)} (copy destination)`
      }
      case 'fault-in':
        n.awaiting = id
        this.feed(i, n, {type: 'access', id, page: step.page, kind: 'read', data: null})
        return said || `node ${i} faults ${pageKey(step.page)} in (nothing pinned)`
      case 'pin':
        n.awaiting = id
        this.feed(i, n, {type: 'pin', id, unit: step.unit, mode: step.mode, page: step.page, try: step.try})
        return said || `node ${i} ${step.try ? 'tries to pin' : 'pins'} ${step.unit} ${step.mode}`
      case 'unpin':
        this.feed(i, n, {type: 'unpin', unit: step.unit})
        return said || `node ${i} unpins ${step.unit}`
      case 'sync-file': {
        // msync syncs the units of the file held EX when it starts, one at a time (as the worker).
        const units = n.core.snapshot().filter((u) => u.mode === 'EX' && (u.unit === step.file || u.unit.startsWith(`${step.file}/`)))
        const first = units[0]
        if (first === undefined) return said || `node ${i} msync ${step.file}: nothing held EX`
        n.awaiting = id
        this.feed(i, n, {type: 'sync', id, unit: first.unit})
        // Further units become extra steps of this op.
        if (units.length > 1) n.steps = [...n.steps.slice(0, n.si), ...units.slice(1).map((u) => ({k: 'sync-file', file: u.unit}) as Step), ...n.steps.slice(n.si)]
        return said || `node ${i} msyncs ${first.unit}`
      }
    }
  }

  private expand(i: number, n: SimNode, op: ModelOp): Step[] {
    switch (op.f) {
      case 'read':
        return [{k: 'access', page: op.page, kind: 'read', data: null}]
      case 'write':
        // Stamps name the node and op index: equal program positions give equal bytes in every interleaving.
        return [{k: 'access', page: op.page, kind: 'write', data: encodeStamp(`n${i}.${n.pc}`, this.model.settings.pageSize)}]
      case 'msync':
        return [{k: 'sync-file', file: op.file}]
      case 'copy':
        // The worker's own copy plan (src/protocol/copy-plan.ts): planStep plays it.
        n.plan = new CopyPlan({from: op.from, to: op.to, pages: op.pages}, this.model.copy, this.model.settings, NO_JITTER, this.model.retryLimit)
        n.result = null
        return []
    }
  }

  /** The copy plan's next action as a step, or (an action with nothing to wait for) what was done. */
  private planStep(i: number, n: SimNode, plan: CopyPlan): Step | string {
    if (n.aborting) {
      // The worker's catch: unpin what the copy holds, most recent first; the op ends failed.
      const pinned = [...plan.pinned].reverse()
      for (const unit of pinned) this.feed(i, n, {type: 'unpin', unit})
      n.plan = null
      n.result = null
      n.aborting = false
      return this.describe ? `node ${i}'s copy fails (its wait was abandoned to break a deadlock)${pinned.length > 0 ? `: unpins ${pinned.join(', ')}` : ''}` : ''
    }
    const a = plan.next(n.result)
    n.result = OK
    switch (a.type) {
      case 'pin':
        return {k: 'pin', unit: a.unit, mode: a.mode, page: a.page, try: a.try}
      case 'unpin':
        return {k: 'unpin', unit: a.unit}
      case 'read':
        return {k: 'copy-read', page: a.page}
      case 'write':
        return {k: 'copy-write', page: a.page}
      case 'fault-in':
        return {k: 'fault-in', page: a.page}
      case 'backoff':
        // Time does not pass for it: any delay it makes is one of the interleavings explored.
        return this.describe ? `node ${i} backs off (the copy starts over)` : ''
      case 'done':
        n.plan = null
        n.result = null
        return this.describe ? `node ${i}'s copy is done${a.retries > 0 ? ` after ${a.retries} retr${a.retries === 1 ? 'y' : 'ies'}${a.fellBack ? ' (then took the ordered path)' : ''}` : ''}` : ''
    }
  }

  private handle(i: number, req: ManagerRequest): string {
    const before = req.type === 'demote' || req.type === 'writeback' ? unitState(this.manager, req.unit) : null
    // What the disk held: a write-back the reply calls stale must still leave it alone.
    const versions = req.type === 'demote' || req.type === 'writeback' ? req.writeback.map((w) => diskVersion(this.manager, w.page)) : []
    let d
    try {
      d = this.protocol.decide(this.ownManager(), req)
    } catch (e) {
      // A dead incarnation's acquire or upgrade still on the wire: the manager refuses it outright
      // (a protocol error to a process that is gone) and changes nothing.
      if (e instanceof ProtocolError && this.manager.dead.has(req.node) && (req.type === 'acquire' || req.type === 'upgrade')) {
        return this.describe ? `manager refuses dead node ${req.node}'s ${requestText(req)}` : ''
      }
      if (e instanceof ProtocolError || e instanceof InvariantError) violated('assertion', `manager, request ${requestKey(req, plain(this.nodes.length))} from node ${i}: ${e.message}`)
      throw e
    }
    if (before !== null && (req.type === 'demote' || req.type === 'writeback')) {
      const accepted = d.reply.type === 'demoted' || d.reply.type === 'written' ? d.reply.accepted : 0
      const diskMoved = req.writeback.some((w, k) => diskVersion(this.manager, w.page) !== versions[k])
      if (accepted > 0 || diskMoved) checkWriteback(this, i, req, before)
    }
    const n = this.own(i)
    // A reply to a dead incarnation goes nowhere.
    if (req.node === this.pid(i)) n.replies.push(replyInput(req.unit, req.type, d.reply))
    this.send(d.out)
    if (!this.describe) return ''
    return handledText(this.manager.dead.has(req.node) ? `dead node ${req.node}` : `node ${i}`, req, d.reply, d.out)
  }

  private send(out: readonly {readonly to: number; readonly message: NodeMessage}[]): void {
    for (const o of out) {
      // A message to a dead incarnation goes nowhere (its inbox went with it). The manager
      // should have nothing to tell it; if it does, what breaks shows in the invariants.
      const slot = this.slotOf(o.to)
      if (slot >= 0) this.own(slot).stream.push(o.message)
    }
  }

  /**
   * Node i's incarnation dies (its lease expired, as the reaper sees it): the manager declares it
   * dead and purges it unit by unit, exactly the model functions the reaper's Lua mirrors. The
   * node restarts under a new process id with an empty cache; its requests already on the wire
   * stay there (they reach the manager late and must be fenced), everything else is dropped.
   * Its op in flight may or may not have happened; the program goes on with the next one.
   */
  private kill(i: number, n: SimNode): string {
    const old = this.pid(i)
    const lost = n.zombie ? [] : this.declareDead(i)
    this.restart(i, n)
    if (!this.describe) return ''
    return `node ${i} is killed: the manager purges node ${old}${lost.length > 0 ? ` (writes lost: ${lost.join(', ')})` : ''}; it restarts as node ${this.pid(i)}`
  }

  /** The reaper's part of a node loss; returns the pages whose latest write was lost. */
  private declareDead(i: number): string[] {
    const old = this.pid(i)
    const lost: string[] = []
    const manager = this.ownManager()
    for (const unit of declareDead(manager, old)) {
      const d = this.protocol.purge(manager, old, unit)
      this.send(d.out)
      if (d.reply.held !== 'EX') continue
      // Writes it never wrote back are lost by design: the latest write is what the disk kept.
      for (const page of this.model.pages) {
        if (unitOf(page, this.model.settings.granularity) !== unit) continue
        const onDisk = diskBytes(this.manager, page)
        const kept = onDisk === null ? null : decodeStamp(onDisk)
        if (kept !== (this.lastWrite.get(pageKey(page)) ?? null)) lost.push(pageKey(page))
        this.lastWrite.set(pageKey(page), kept)
      }
    }
    return lost
  }

  /** A new incarnation in slot i: empty core, nothing received, the program's next op next. */
  private restart(i: number, n: SimNode): void {
    n.zombie = false
    n.inc++
    n.core = this.protocol.newCore({...this.model.settings, node: this.pid(i)})
    n.replies = []
    n.stream = []
    n.disk = []
    n.wakes = []
    n.steps = []
    n.si = 0
    n.awaiting = null
    n.buf = null
    n.plan = null
    n.result = null
    n.aborting = false
  }

  private feed(i: number, n: SimNode, input: NodeInput): void {
    let effects: NodeEffect[]
    try {
      effects = n.core.step(this.now, input)
      n.core.assertInvariants()
    } catch (e) {
      if (e instanceof InvariantError) violated('assertion', e.message)
      throw e
    }
    const abandon: UnitId[] = []
    for (const e of effects) this.effect(i, n, e, abandon)
    // The runtime abandons right after the step that told it (a microtask): nothing comes between.
    for (const unit of abandon) this.feed(i, n, {type: 'abandon', unit})
  }

  private effect(i: number, n: SimNode, e: NodeEffect, abandon: UnitId[]): void {
    // A paused node past its lease: its requests, disk reads and timers still go out, but no
    // mapping is used and no op completes (the runtime's lease check), so nothing else counts.
    // no-lease-guard (broken): the lease check is skipped, so a zombie completes from its cache.
    if (n.zombie && this.model.variant !== 'no-lease-guard' && e.type !== 'send' && e.type !== 'read-disk' && e.type !== 'wake') return
    switch (e.type) {
      case 'send':
        n.requests.push(e.request)
        return
      case 'read-disk':
        n.disk.push(e.page)
        return
      case 'wake':
        n.wakes.push(e.at)
        return
      case 'pte':
        checkPteEffect(this, i, e)
        return
      case 'access-done': {
        simCheck(e.id === n.awaiting, `node ${i}: access ${e.id} done, waiting for ${n.awaiting}`)
        n.awaiting = null
        const step = n.steps[n.si - 1]
        if (step === undefined || (step.k !== 'access' && step.k !== 'copy-read' && step.k !== 'copy-write' && step.k !== 'fault-in')) throw new SimulatorError(`node ${i}: access-done for a ${step?.k} step`)
        const key = pageKey(step.page)
        const got = decodeStamp(e.data)
        const isWrite = step.k === 'copy-write' || (step.k === 'access' && step.kind === 'write')
        if (isWrite) this.lastWrite.set(key, got)
        else {
          const want = this.lastWrite.get(key) ?? null
          if (got !== want) violated('stale-content', `node ${i} read ${key} = ${got ?? 'zeros'}, but the latest write is ${want ?? 'none (zeros)'}`)
          if (step.k === 'copy-read') n.buf = e.data
        }
        return
      }
      case 'pinned':
      case 'synced':
        simCheck(e.id === n.awaiting, `node ${i}: ${e.type} ${e.id}, waiting for ${n.awaiting}`)
        n.awaiting = null
        return
      case 'pin-busy':
        simCheck(e.id === n.awaiting, `node ${i}: pin-busy ${e.id}, waiting for ${n.awaiting}`)
        n.awaiting = null
        n.result = BUSY
        return
      case 'failed':
        simCheck(e.id === n.awaiting, `node ${i}: failed ${e.id}, waiting for ${n.awaiting}`)
        n.awaiting = null
        // A copy lets go of its pins first (next step); any other op simply ends without its lock.
        if (n.plan !== null) n.aborting = true
        else n.si = n.steps.length
        return
      case 'deadlock': {
        const policy = this.model.onDeadlock ?? 'ignore'
        if (policy === 'abort') violated('deadlock', `the manager found a deadlock (--on-deadlock abort stops here): ${describeCycle(e.cycle)}`)
        if (policy === 'report' && e.victim === i) abandon.push(e.unit)
        return
      }
      case 'callback-done':
        return
    }
  }

  /** Programs all finished (their ops completed). */
  finished(): boolean {
    return this.nodes.every((n, i) => !n.zombie && n.awaiting === null && !this.hasWork(i, n))
  }

  /** At a state with no enabled action: a deadlock, or the end, which must be clean. */
  checkStuck(): Violation | null {
    return checkStuck(this)
  }
}

function copyNode(n: SimNode): SimNode {
  return {
    core: n.core.clone(),
    inc: n.inc,
    zombie: n.zombie,
    cut: n.cut,
    requests: [...n.requests],
    replies: [...n.replies],
    stream: [...n.stream],
    disk: [...n.disk],
    pc: n.pc,
    steps: n.steps,
    si: n.si,
    awaiting: n.awaiting,
    buf: n.buf,
    wakes: [...n.wakes],
    plan: n.plan === null ? null : n.plan.clone(),
    result: n.result,
    aborting: n.aborting,
    keys: null,
  }
}

function copyManager(m: ManagerModel): ManagerModel {
  const units = new Map()
  for (const [id, u] of m.units) {
    const holders = new Map()
    for (const [node, h] of u.holders) holders.set(node, {...h})
    units.set(id, {generation: u.generation, seq: u.seq, holders, queue: [...u.queue], upgrading: u.upgrading})
  }
  // Disk entries are replaced, never changed in place: sharing them is safe.
  // The spread keeps the model's options (a break variant) as they are.
  return {...m, units, disk: new Map(m.disk), dead: new Set(m.dead), graph: cloneWaitGraph(m.graph)}
}
