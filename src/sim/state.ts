// One state of the simulated cluster: every node core, the manager model, the messages in flight
// on each link (FIFO per link, as on a real connection), and where each node's program is.
// `apply` runs one action and checks every invariant; `clone` and `key` serve the exhaustive
// search. Everything is deterministic: no clock (time stays 0), no randomness.
import {CopyPlan, type CopyResult} from '../protocol/copy-plan.js'
import {InvariantError as NodeInvariantError} from '../protocol/errors.js'
import type {NodeCore} from '../protocol/node-core.js'
import {declareDead, diskPage, ProtocolError, unitState, type ManagerModel} from '../protocol/manager.js'
import {encodeStamp} from '../protocol/page-data.js'
import {cloneWaitGraph, describeCycle, waitGraphKey} from '../protocol/wait-graph.js'
import {stampOf as decodeStamp} from '../protocol/node-core-state.js'
import {
  pageKey,
  unitOf,
  type HeldMode,
  type ManagerRequest,
  type NodeEffect,
  type NodeInput,
  type NodeMessage,
  type PageBytes,
  type PageRef,
  type UnitId,
} from '../protocol/types.js'
import {describeOp} from './program.js'
import type {Protocol} from './protocol.js'
import {action, kindOf, nodeOf, type Action, type ModelConfig, type ModelOp, type Violation, type ViolationKind} from './types.js'

type ReplyInput = Extract<NodeInput, {type: 'reply'}>

/** One step of an op as the application thread performs it. */
type Step =
  | {readonly k: 'access'; readonly page: PageRef; readonly kind: 'read' | 'write'; readonly data: PageBytes | null}
  | {readonly k: 'copy-read'; readonly page: PageRef}
  | {readonly k: 'copy-write'; readonly page: PageRef}
  /** A retrying copy faults its source in with nothing pinned: a read, its bytes unused. */
  | {readonly k: 'fault-in'; readonly page: PageRef}
  | {readonly k: 'pin'; readonly unit: UnitId; readonly mode: HeldMode; readonly page: PageRef; readonly try: boolean}
  | {readonly k: 'unpin'; readonly unit: UnitId}
  | {readonly k: 'sync-file'; readonly file: string}

interface SimNode {
  core: NodeCore
  /** Restarts after kills: the core's process id is node + inc × nodes (src/node/node.ts processId). */
  inc: number
  /** Paused past its lease and declared dead: its daemon still reacts, nothing of it completes. */
  zombie: boolean
  /** node -> manager (one connection: the manager handles them in order). */
  requests: ManagerRequest[]
  /** manager -> node replies, and the node's message stream: two links, no order between them. */
  replies: ReplyInput[]
  stream: NodeMessage[]
  /** read-disk effects the runtime has not answered yet. */
  disk: PageRef[]
  /** Next op of the program, and the steps left of the op being run (arrays never mutated). */
  pc: number
  steps: readonly Step[]
  si: number
  /** The request id whose completion the application waits for. */
  awaiting: number | null
  /** A copy's bytes between its read of the source and its write of the destination. */
  buf: PageBytes | null
  /** Times of the `wake` effects not yet answered with a `timer` input. */
  wakes: number[]
  /** The copy being played: the worker's own plan, one action per step (steps holds the current one). */
  plan: CopyPlan | null
  /** Result of the plan's previous action, for its next (null before the first). */
  result: CopyResult | null
  /** A wait of the copy was abandoned (a deadlock broken): its next step unpins everything and ends it. */
  aborting: boolean
}

const OK: CopyResult = {type: 'ok'}
const BUSY: CopyResult = {type: 'busy'}
/** Backoffs take no time in the model (every delay is some interleaving): no jitter needed. */
const NO_JITTER = (): number => 0.5

/** Thrown inside `apply`: the state is broken, the search stops here. */
export class ViolationError extends Error {
  /** What the breaking step was doing (when the state describes its steps). */
  said = ''
  constructor(readonly violation: Violation) {
    super(violation.message)
  }
}

function violated(kind: ViolationKind, message: string): never {
  throw new ViolationError({kind, message})
}

export class SimState {
  /** Stamp of the latest completed write of each page (`null`: never written). */
  lastWrite: Map<string, string | null>
  /** When set, `apply` returns a line saying what happened (for printed traces). */
  describe = false
  /** The clock (microseconds): it only moves when a timer fires. */
  now = 0
  /** Kills the search may still make (ModelConfig.kills). */
  killsLeft = 0
  pausesLeft = 0

  private constructor(
    readonly model: ModelConfig,
    readonly protocol: Protocol,
    readonly nodes: SimNode[],
    readonly manager: ManagerModel,
    lastWrite: Map<string, string | null>,
  ) {
    this.lastWrite = lastWrite
  }

  static initial(model: ModelConfig, protocol: Protocol): SimState {
    const nodes = model.programs.map((_, n) => ({
      core: protocol.newCore({...model.settings, node: n}),
      inc: 0,
      zombie: false,
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
    }))
    const s = new SimState(model, protocol, nodes, protocol.newManager(), new Map(model.pages.map((p) => [pageKey(p), null])))
    s.killsLeft = model.kills ?? 0
    s.pausesLeft = model.pauses ?? 0
    return s
  }

  clone(): SimState {
    const nodes = this.nodes.map((n) => ({
      core: n.core.clone(),
      inc: n.inc,
      zombie: n.zombie,
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
    }))
    const units = new Map()
    for (const [id, u] of this.manager.units) {
      const holders = new Map()
      for (const [node, h] of u.holders) holders.set(node, {...h})
      units.set(id, {generation: u.generation, seq: u.seq, holders, queue: [...u.queue], upgrading: u.upgrading})
    }
    // Disk entries are replaced, never changed in place: sharing them is safe.
    // The spread keeps the model's options (a break variant) as they are.
    const manager: ManagerModel = {...this.manager, units, disk: new Map(this.manager.disk), dead: new Set(this.manager.dead), graph: cloneWaitGraph(this.manager.graph)}
    const c = new SimState(this.model, this.protocol, nodes, manager, new Map(this.lastWrite))
    c.now = this.now
    c.killsLeft = this.killsLeft
    c.pausesLeft = this.pausesLeft
    return c
  }

  /**
   * Canonical text of the state. The manager's maps are sorted (its decisions never depend on
   * their order); a node core keeps its own order (see node-core-state.ts).
   */
  key(): string {
    let s = `${this.now}.${this.killsLeft}.${this.pausesLeft}`
    for (const n of this.nodes) {
      s += `#${n.inc}${n.zombie ? 'Z' : ''}.${n.pc}.${n.si}.${n.awaiting ?? ''}.${n.buf === null ? '' : decodeStamp(n.buf)}.${n.wakes.join(',')}`
      if (n.plan !== null) s += `C${n.plan.stateKey()}.${n.result?.type ?? ''}${n.aborting ? 'A' : ''}`
      s += `\n${n.core.stateKey()}\n`
      for (const r of n.requests) s += requestKey(r) + ';'
      s += '\n'
      for (const r of n.replies) s += replyKey(r) + ';'
      s += '\n'
      for (const m of n.stream) s += messageKey(m) + ';'
      s += '\n'
      for (const p of n.disk) s += pageKey(p) + ';'
    }
    s += '\nM'
    for (const id of [...this.manager.units.keys()].sort()) {
      const u = this.manager.units.get(id)
      if (u === undefined) continue
      s += `\n${id}:${u.generation}.${u.seq}.${u.upgrading ?? ''}|`
      const holders = [...u.holders.entries()]
      if (holders.length > 1) holders.sort(([a], [b]) => a - b)
      for (const [node, h] of holders) s += `${node}${h.mode}${h.seq}${h.callback};`
      s += '|'
      for (const w of u.queue) s += `${w.node}${w.mode}${w.page.file}/${w.page.page};`
    }
    for (const k of [...this.manager.disk.keys()].sort()) {
      const d = this.manager.disk.get(k)
      if (d !== undefined) s += `\n${k}=${d.data === null ? '' : decodeStamp(d.data)}.${d.version}.${d.generation}`
    }
    // Dead incarnations (node kills): they are fenced, so they are part of the state.
    if (this.manager.dead.size > 0) s += `\nD${[...this.manager.dead].sort((a, b) => a - b).join(',')}`
    s += `\nG${waitGraphKey(this.manager.graph)}\nW`
    for (const [k, v] of this.lastWrite) s += `${k}=${v ?? ''};`
    return s
  }

  // -----------------------------------------------------------------------------------------
  // Actions

  /** Every action enabled here, in a fixed order (node by node). */
  enabled(): Action[] {
    const out: Action[] = []
    for (let i = 0; i < this.nodes.length; i++) {
      const n = this.nodes[i] as SimNode
      if (n.zombie || this.hasWork(i, n)) out.push(action('op', i))
      if (n.requests.length > 0) out.push(action('req', i))
      if (n.replies.length > 0) out.push(action('rep', i))
      if (n.stream.length > 0) out.push(action('msg', i))
      if (n.disk.length > 0) out.push(action('disk', i))
      if (n.wakes.length > 0) out.push(action('timer', i))
    }
    // A kill only while something else can happen: a stuck state stays stuck (a deadlock is
    // reported, not killed away) and a finished run ends.
    if (out.length > 0) {
      for (let i = 0; i < this.nodes.length; i++) if (this.killsLeft > 0 && !(this.nodes[i] as SimNode).zombie) out.push(action('kill', i))
      for (let i = 0; i < this.nodes.length; i++) if (this.pausesLeft > 0 && !(this.nodes[i] as SimNode).zombie) out.push(action('pause', i))
    }
    return out
  }

  /** Process id of node i's current incarnation (the manager's node id for it). */
  pid(i: number): number {
    return i + (this.nodes[i]?.inc ?? 0) * this.nodes.length
  }

  /** The node slot of a process id, or -1 when that incarnation is dead (not the slot's current one). */
  private slotOf(pid: number): number {
    const i = pid % this.nodes.length
    return this.pid(i) === pid ? i : -1
  }

  /** The application thread can take a step: it waits for nothing and has something left to do. */
  private hasWork(i: number, n: SimNode): boolean {
    return n.awaiting === null && (n.si < n.steps.length || n.plan !== null || n.pc < (this.model.programs[i]?.length ?? 0))
  }

  isEnabled(a: Action): boolean {
    const i = nodeOf(a)
    const n = this.nodes[i]
    if (n === undefined) return false
    switch (kindOf(a)) {
      case 'op':
        return n.zombie || this.hasWork(i, n)
      case 'req':
        return n.requests.length > 0
      case 'rep':
        return n.replies.length > 0
      case 'msg':
        return n.stream.length > 0
      case 'disk':
        return n.disk.length > 0
      case 'timer':
        return n.wakes.length > 0
      case 'kill':
      case 'pause':
        return this.enabled().includes(a)
    }
  }

  /** Runs one enabled action; throws ViolationError when an invariant breaks. */
  apply(a: Action): string {
    try {
      return this.applyUnchecked(a)
    } catch (e) {
      if (e instanceof ViolationError && this.describe) e.said = this.lastAction(a)
      throw e
    }
  }

  /** A plain description of an action, for the step that broke an invariant. */
  private lastAction(a: Action): string {
    const i = nodeOf(a)
    const n = this.nodes[i]
    switch (kindOf(a)) {
      case 'op': {
        const step = n?.steps[(n?.si ?? 1) - 1]
        if (n === undefined || step === undefined) return `node ${i} runs its next op`
        const op = this.model.programs[i]?.[n.pc - 1]
        const started = n.si === 1 && op !== undefined ? `starts op ${n.pc - 1}: ${describeOp(op)}, ` : ''
        return `node ${i} ${started}runs ${step.k}${'page' in step ? ` ${pageKey(step.page)}` : 'unit' in step ? ` ${step.unit}` : ''}`
      }
      case 'req':
        return `the manager handles node ${i}'s next request`
      case 'rep':
        return `node ${i} reads its next reply`
      case 'msg':
        return `node ${i} receives its next message`
      case 'disk':
        return `node ${i} gets its next disk read`
      case 'timer':
        return `node ${i}'s timer fires`
      case 'kill':
        return `node ${i} is killed`
      case 'pause':
        return `node ${i} pauses past its lease`
    }
  }

  private applyUnchecked(a: Action): string {
    const i = nodeOf(a)
    const n = this.nodes[i]
    if (n === undefined) throw new Error(`no node ${i}`)
    let said = ''
    switch (kindOf(a)) {
      case 'op':
        said = this.runStep(i, n)
        break
      case 'req': {
        const req = n.requests.shift()
        if (req === undefined) throw new Error(`req${i}: nothing to deliver`)
        said = this.handle(i, req)
        break
      }
      case 'rep': {
        const rep = n.replies.shift()
        if (rep === undefined) throw new Error(`rep${i}: nothing to deliver`)
        if (this.describe) said = `node ${i} reads reply ${replyText(rep)}`
        this.feed(i, n, rep)
        break
      }
      case 'msg': {
        const m = n.stream.shift()
        if (m === undefined) throw new Error(`msg${i}: nothing to deliver`)
        if (this.describe) said = `node ${i} receives ${messageText(m)}`
        this.feed(i, n, {type: 'message', message: m})
        break
      }
      case 'disk': {
        const p = n.disk.shift()
        if (p === undefined) throw new Error(`disk${i}: nothing to deliver`)
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
        protocolCheck(this.killsLeft > 0, 'kill without a kill left')
        this.killsLeft--
        said = this.kill(i, n)
        break
      case 'pause': {
        protocolCheck(this.pausesLeft > 0 && !n.zombie, 'pause without a pause left')
        this.pausesLeft--
        const old = this.pid(i)
        const lost = this.declareDead(i)
        n.zombie = true
        if (this.describe) said = `node ${i} pauses past its lease: the manager purges node ${old}${lost.length > 0 ? ` (writes lost: ${lost.join(', ')})` : ''}; its lock daemon still runs`
        break
      }
    }
    this.checkCluster()
    return said
  }

  private runStep(i: number, n: SimNode): string {
    if (n.zombie) {
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
      if (op === undefined) throw new Error(`op${i}: program finished`)
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
        if (data === null) throw new Error(`node ${i}: copy write without a read`)
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
    let d
    try {
      d = this.protocol.decide(this.manager, req)
    } catch (e) {
      // A dead incarnation's acquire or upgrade still on the wire: the manager refuses it outright
      // (a protocol error to a process that is gone) and changes nothing.
      if (e instanceof ProtocolError && this.manager.dead.has(req.node) && (req.type === 'acquire' || req.type === 'upgrade')) {
        return this.describe ? `manager refuses dead node ${req.node}'s ${requestText(req)}` : ''
      }
      if (e instanceof ProtocolError || (e instanceof Error && e.message.startsWith('manager invariant'))) violated('assertion', `manager, request ${requestKey(req)} from node ${i}: ${e.message}`)
      throw e
    }
    if (before !== null && (req.type === 'demote' || req.type === 'writeback')) {
      const accepted = d.reply.type === 'demoted' || d.reply.type === 'written' ? d.reply.accepted : 0
      if (accepted > 0) {
        const h = before.holders.find((x) => x.node === req.node)
        if (this.manager.dead.has(req.node) || h === undefined || h.mode !== 'EX' || h.seq !== req.seq || req.generation !== before.generation) {
          violated('stale-writeback', `the disk accepted node ${req.node}'s write-back of ${req.writeback.map((w) => pageKey(w.page)).join(',')} under generation ${req.generation} seq ${req.seq}, but the unit was at generation ${before.generation} with node ${i} holding ${h ? `${h.mode} seq ${h.seq}` : 'nothing'}`)
        }
      }
    }
    const n = this.nodes[i] as SimNode
    // A reply to a dead incarnation goes nowhere.
    if (req.node === this.pid(i)) n.replies.push({type: 'reply', unit: req.unit, request: req.type, reply: d.reply})
    this.send(d.out)
    if (!this.describe) return ''
    const sent = d.out.map((o) => `; sends node ${o.to} ${messageText(o.message)}`).join('')
    const who = this.manager.dead.has(req.node) ? `dead node ${req.node}` : `node ${i}`
    return `manager handles ${who}'s ${requestText(req)} -> ${d.reply.type}${d.reply.type === 'refused' ? ` (${d.reply.reason})` : ''}${sent}`
  }

  private send(out: readonly {readonly to: number; readonly message: NodeMessage}[]): void {
    for (const o of out) {
      // A message to a dead incarnation goes nowhere (its inbox went with it). The manager
      // should have nothing to tell it; if it does, what breaks shows in the invariants.
      this.nodes[this.slotOf(o.to)]?.stream.push(o.message)
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
    for (const unit of declareDead(this.manager, old)) {
      const d = this.protocol.purge(this.manager, old, unit)
      this.send(d.out)
      if (d.reply.held !== 'EX') continue
      // Writes it never wrote back are lost by design: the latest write is what the disk kept.
      for (const page of this.model.pages) {
        if (unitOf(page, this.model.settings.granularity) !== unit) continue
        const onDisk = diskPage(this.manager, page).data
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
      if (e instanceof NodeInvariantError) violated('assertion', e.message)
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
    if (n.zombie && e.type !== 'send' && e.type !== 'read-disk' && e.type !== 'wake') return
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
      case 'pte': {
        if (e.to === 'none') return
        // A mapping is only ever made under a hold the manager agrees the node has.
        const u = unitState(this.manager, e.unit)
        const h = u.holders.find((x) => x.node === this.pid(i))
        if (h === undefined || h.seq !== e.seq) violated('single-writer', `node ${i} maps ${pageKey(e.page)} ${e.to} under seq ${e.seq}, but the manager says it holds ${h ? `seq ${h.seq}` : 'nothing'}`)
        if (e.to === 'RW' && (h.mode !== 'EX' || e.generation !== u.generation)) violated('single-writer', `node ${i} maps ${pageKey(e.page)} RW under generation ${e.generation}, the manager has ${h.mode} at generation ${u.generation}`)
        return
      }
      case 'access-done': {
        if (e.id !== n.awaiting) throw new Error(`node ${i}: access ${e.id} done, waiting for ${n.awaiting}`)
        n.awaiting = null
        const step = n.steps[n.si - 1]
        if (step === undefined || (step.k !== 'access' && step.k !== 'copy-read' && step.k !== 'copy-write' && step.k !== 'fault-in')) throw new Error(`node ${i}: access-done for a ${step?.k} step`)
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
        if (e.id !== n.awaiting) throw new Error(`node ${i}: ${e.type} ${e.id}, waiting for ${n.awaiting}`)
        n.awaiting = null
        return
      case 'pin-busy':
        if (e.id !== n.awaiting) throw new Error(`node ${i}: pin-busy ${e.id}, waiting for ${n.awaiting}`)
        n.awaiting = null
        n.result = BUSY
        return
      case 'failed':
        if (e.id !== n.awaiting) throw new Error(`node ${i}: failed ${e.id}, waiting for ${n.awaiting}`)
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

  // -----------------------------------------------------------------------------------------
  // Invariants

  /** After every step: single writer / multiple readers, node views backed by the manager, mapped pages current. */
  private checkCluster(): void {
    const g = this.model.settings.granularity
    const checkedUnits = new Set<UnitId>()
    for (const page of this.model.pages) {
      const unit = unitOf(page, g)
      if (!checkedUnits.has(unit)) {
        checkedUnits.add(unit)
        let holders = 0
        let ex = -1
        for (let i = 0; i < this.nodes.length; i++) {
          if ((this.nodes[i] as SimNode).zombie) continue
          const mode = (this.nodes[i] as SimNode).core.heldMode(unit)
          if (mode === 'UN') continue
          holders++
          if (mode === 'EX') ex = i
        }
        if (ex >= 0 && holders > 1) violated('single-writer', `unit ${unit}: node ${ex} holds EX while ${holders - 1} other node(s) hold it`)
      }
      const want = this.lastWrite.get(pageKey(page)) ?? null
      let rw = -1
      let mapped = 0
      for (let i = 0; i < this.nodes.length; i++) {
        if ((this.nodes[i] as SimNode).zombie) continue
        const core = (this.nodes[i] as SimNode).core
        const pte = core.pte(page)
        if (pte === 'none') continue
        mapped++
        if (pte === 'RW') rw = i
        // A page mapped RW may hold a write in progress only inside one step: after it, it is the latest.
        const got = decodeStamp(core.cached(page)?.data ?? new Uint8Array(0))
        if (got !== want) violated('stale-content', `node ${i} maps ${pageKey(page)} ${pte} with ${got ?? 'zeros'}, but the latest write is ${want ?? 'none (zeros)'}`)
      }
      if (rw >= 0 && mapped > 1) violated('single-writer', `page ${pageKey(page)}: node ${rw} maps it RW while ${mapped - 1} other node(s) map it`)
    }
  }

  /** Programs all finished (their ops completed). */
  finished(): boolean {
    return this.nodes.every((n, i) => !n.zombie && n.awaiting === null && !this.hasWork(i, n))
  }

  /** At a state with no enabled action: a deadlock, or the end, which must be clean. */
  checkStuck(): Violation | null {
    if (!this.finished()) return {kind: 'deadlock', message: this.describeDeadlock()}
    for (const [unit] of this.manager.units) {
      const u = unitState(this.manager, unit)
      if (u.queue.length > 0 || u.upgrading !== null) return {kind: 'not-quiescent', message: `at the end, unit ${unit} still has waiters on the manager`}
      for (const h of u.holders) {
        const mode = this.nodes[this.slotOf(h.node)]?.core.heldMode(unit)
        if (mode !== h.mode) return {kind: 'not-quiescent', message: `at the end, the manager says node ${h.node} holds ${unit} ${h.mode}, the node says ${mode}`}
      }
    }
    for (const page of this.model.pages) {
      const want = this.lastWrite.get(pageKey(page)) ?? null
      const cached = this.nodes.map((n) => n.core.cached(page)).filter((c) => c !== null)
      for (const c of cached) if (decodeStamp(c.data) !== want) return {kind: 'stale-content', message: `at the end, ${pageKey(page)} is cached with ${decodeStamp(c.data)}, the latest write is ${want}`}
      const onDisk = diskPage(this.manager, page).data
      const disk = onDisk === null ? null : decodeStamp(onDisk)
      if (!cached.some((c) => c.dirty) && disk !== want) return {kind: 'lost-write', message: `at the end, ${pageKey(page)} on disk is ${disk ?? 'zeros'} and no node caches it dirty, but the latest write is ${want}`}
    }
    return null
  }

  /** Who waits for whom: each stuck node, the unit it waits on, who holds that unit, and a cycle if there is one. */
  private describeDeadlock(): string {
    const waitsOn = new Map<number, {unit: UnitId; holders: number[]}>()
    const lines: string[] = []
    this.nodes.forEach((n, i) => {
      if (n.awaiting === null && !this.hasWork(i, n)) return
      const snap = n.core.snapshot()
      const held = snap.filter((u) => u.mode !== 'UN').map((u) => `${u.unit} ${u.mode}${u.pins.length > 0 ? ' (pinned)' : ''}`)
      const blocked = snap.find((u) => u.waiting.length > 0)
      if (blocked === undefined) {
        lines.push(`node ${i} holds ${held.join(', ') || 'nothing'} and waits on nothing in its core`)
        return
      }
      const m = unitState(this.manager, blocked.unit)
      const holders = m.holders.map((h) => h.node % this.nodes.length).filter((x) => x !== i)
      waitsOn.set(i, {unit: blocked.unit, holders})
      const req = blocked.inflight === null ? 'no request in flight' : `${blocked.inflight.request} ${blocked.inflight.detail}`
      lines.push(`node ${i} holds ${held.join(', ') || 'nothing'} and waits for ${blocked.unit} (${req}), held by ${m.holders.map((h) => `node ${h.node} ${h.mode}${h.callback !== 'none' ? ` (asked to ${h.callback})` : ''}`).join(', ') || 'nobody'}`)
    })
    const cycle = findCycle(waitsOn)
    const head = cycle === null ? 'no wait-for cycle among nodes' : `wait-for cycle: ${cycle.map((x) => `node ${x} -> ${waitsOn.get(x)?.unit}`).join(' -> ')} -> node ${cycle[0]}`
    return `ops pending and nothing can happen; ${head}\n  ${lines.join('\n  ')}`
  }
}

function protocolCheck(ok: boolean, message: string): asserts ok {
  if (!ok) throw new Error(`simulator: ${message}`)
}

function findCycle(waitsOn: Map<number, {unit: UnitId; holders: number[]}>): number[] | null {
  for (const start of waitsOn.keys()) {
    const path: number[] = [start]
    const seen = new Set([start])
    let at = start
    for (;;) {
      const next = waitsOn.get(at)?.holders.find((h) => waitsOn.has(h))
      if (next === undefined) break
      if (next === start) return path
      if (seen.has(next)) break
      seen.add(next)
      path.push(next)
      at = next
    }
  }
  return null
}

function stampText(data: PageBytes | null): string {
  return data === null ? 'zeros' : (decodeStamp(data) ?? 'zeros')
}

function requestKey(r: ManagerRequest): string {
  switch (r.type) {
    case 'acquire':
      return `A${r.node}${r.unit}${r.mode}${pageKey(r.page)}${r.try ? 't' : ''}`
    case 'upgrade':
      return `U${r.node}${r.unit}${r.seq}`
    case 'demote':
      return `D${r.node}${r.unit}${r.seq}${r.to}${r.generation}[${r.writeback.map((w) => `${pageKey(w.page)}=${decodeStamp(w.data)}`).join(',')}]`
    case 'writeback':
      return `W${r.node}${r.unit}${r.seq}${r.generation}[${r.writeback.map((w) => `${pageKey(w.page)}=${decodeStamp(w.data)}`).join(',')}]`
    case 'cancel':
      return `C${r.node}${r.unit}`
    case 'defer':
      return `F${r.node}${r.unit}${r.seq}`
  }
}

function replyKey(r: ReplyInput): string {
  const x = r.reply
  const head = `${r.unit}:${r.request}:${x.type}`
  switch (x.type) {
    case 'granted':
      return `${head}${x.mode}${x.seq}.${x.generation}${x.page === null ? '' : `${pageKey(x.page.page)}=${stampText(x.page.data)}.${x.page.version}`}`
    case 'refused':
      return `${head}${x.reason}`
    case 'demoted':
    case 'written':
      return `${head}${x.accepted}`
    case 'stale':
      return `${head}${x.rejected}`
    default:
      return head
  }
}

function messageKey(m: NodeMessage): string {
  if (m.type === 'callback') return `c${m.unit}${m.kind}${m.seq}`
  // The id only numbers the cycle for reports (see waitGraphKey).
  if (m.type === 'deadlock') return `x${m.unit}v${m.victim}`
  return `g${m.unit}${m.mode}${m.seq}.${m.generation}${m.upgrade ? 'u' : ''}${m.page === null ? '' : `${pageKey(m.page.page)}=${stampText(m.page.data)}.${m.page.version}`}`
}

function requestText(r: ManagerRequest): string {
  switch (r.type) {
    case 'acquire':
      return `acquire ${r.unit} ${r.mode}`
    case 'upgrade':
      return `upgrade ${r.unit} seq ${r.seq}`
    case 'demote':
      return `demote ${r.unit} seq ${r.seq} to ${r.to} (gen ${r.generation}, ${r.writeback.length} page${r.writeback.length === 1 ? '' : 's'}${r.writeback.map((w) => ` ${pageKey(w.page)}=${stampText(w.data)}`).join('')})`
    case 'writeback':
      return `writeback ${r.unit} seq ${r.seq} (gen ${r.generation}, ${r.writeback.length} pages)`
    case 'cancel':
      return `cancel ${r.unit}`
    case 'defer':
      return `defer ${r.unit} seq ${r.seq} (a pin holds the callback)`
  }
}

function replyText(r: ReplyInput): string {
  const x = r.reply
  const extra = x.type === 'granted' ? ` ${x.mode} seq ${x.seq} gen ${x.generation}` : x.type === 'refused' ? ` (${x.reason})` : ''
  return `${x.type}${extra} to its ${r.request} ${r.unit}`
}

function messageText(m: NodeMessage): string {
  if (m.type === 'callback') return `${m.kind} callback ${m.unit} seq ${m.seq}`
  if (m.type === 'deadlock') return `deadlock on ${m.unit} (cycle ${m.id}, victim node ${m.victim})`
  return `grant ${m.unit} ${m.mode} seq ${m.seq} gen ${m.generation}${m.upgrade ? ' (upgrade)' : ''}`
}
