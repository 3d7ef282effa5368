// Differential test: hundreds of seeded random request sequences run through the pure model
// (src/protocol/manager.ts) and the Lua scripts; after every step the replies, the messages
// each node received (in stream order), every unit's state and every disk page must agree.
// Requests are chosen from each node's own view (built only from its replies and messages),
// so they are the legal and stale requests real nodes send, plus a few protocol errors.
import {isDeepStrictEqual} from 'node:util'
import type {Redis} from 'ioredis'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {createManager, decide, declareDead, diskRecord, ProtocolError, purge, unitState, type Decision, type ManagerModel} from '../../src/protocol/manager.js'
import type {HeldMode, ManagerReply, ManagerRequest, NodeId, NodeMessage, Outgoing, PageRef, UnitId, Writeback} from '../../src/protocol/types.js'
import {runPrefix} from '../../src/redis/keys.js'
import {waitGraphView} from '../../src/protocol/wait-graph.js'
import {RedisLockManager} from '../../src/redis/lock-manager.js'
import type {RedisServer} from '../../src/redis/server.js'
import {startTestRedis, stopTestRedis} from '../helpers/redis.js'
import {freshRunId, InboxReader, MonitorTap, type MonitorEntry} from './helpers.js'
import {grouped} from './scenarios.js'
import {createRng} from '../../src/workload/random.js'

/** The broken variants that change the manager: model and Lua must break the same way. */
type ManagerBreak = 'early-grant' | 'no-conversion-refusal'
const BROKEN_SEQUENCES = 60

const SEQUENCES = 300
const CHUNKS = 4
/** Seeds also checked for the global (cross-node) message order, seen through MONITOR. */
const ORDERED_SEQUENCES = 30

let server: RedisServer
let redis: Redis

beforeAll(async () => {
  ;({server, redis} = await startTestRedis())
})
afterAll(async () => stopTestRedis({server, redis}))

/** Cheap deep comparison; vitest's expect (slow, but with a readable diff) only on a mismatch. */
function same(actual: unknown, expected: unknown, what: string): void {
  if (!isDeepStrictEqual(actual, expected)) expect(actual, what).toEqual(expected)
}

/** The project's seeded generator (src/workload/random.ts): a seed replays exactly. */
function prng(seed: number): () => number {
  const rng = createRng(seed)
  return () => rng.nextFloat()
}

interface Hold {
  mode: HeldMode
  seq: number
  generation: number
}

/** What one node knows about one unit, from its replies and messages only. */
interface View {
  held: Hold | null
  waiting: 'acquire' | 'upgrade' | null
  callback: {kind: 'release' | 'downgrade'; seq: number} | null
  pastSeqs: number[]
}

class Sequence {
  readonly rand: () => number
  readonly nodes: NodeId[]
  readonly units: UnitId[]
  readonly pagesOf = new Map<UnitId, PageRef[]>()
  readonly views = new Map<string, View>()
  readonly model: ManagerModel

  constructor(
    readonly seed: number,
    readonly breakVariant: ManagerBreak | null = null,
  ) {
    this.model = createManager({breakVariant})
    this.rand = prng(seed)
    const nodeCount = 2 + this.int(3)
    // Node ids up to 12: multi-digit ids catch string-vs-number ordering bugs.
    const ids = new Set<NodeId>()
    while (ids.size < nodeCount) ids.add(this.int(13))
    this.nodes = [...ids]
    const unitCount = 1 + this.int(3)
    const byFile = this.rand() < 0.5
    const files = ['a', 'b', 'c']
    this.units = []
    for (let i = 0; i < unitCount; i++) {
      const file = files[i] ?? 'z'
      if (byFile) {
        this.units.push(file)
        this.pagesOf.set(file, [0, 1, 2].map((page) => ({file, page})))
      } else {
        const page = this.int(4)
        const unit = `${file}/${page}`
        this.units.push(unit)
        this.pagesOf.set(unit, [{file, page}])
      }
    }
  }

  int(n: number): number {
    return Math.floor(this.rand() * n)
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)]
    if (item === undefined) throw new Error('pick from an empty list')
    return item
  }

  view(node: NodeId, unit: UnitId): View {
    const key = `${node}|${unit}`
    let v = this.views.get(key)
    if (v === undefined) {
      v = {held: null, waiting: null, callback: null, pastSeqs: []}
      this.views.set(key, v)
    }
    return v
  }

  pages(unit: UnitId): PageRef[] {
    return this.pagesOf.get(unit) ?? []
  }

  allPages(): PageRef[] {
    return this.units.flatMap((u) => this.pages(u))
  }

  bytes(): Uint8Array {
    if (this.rand() < 0.1) {
      const all = new Uint8Array(256)
      for (let i = 0; i < 256; i++) all[i] = (i + this.int(256)) & 0xff
      return all
    }
    const data = new Uint8Array(8)
    for (let i = 0; i < data.length; i++) data[i] = this.int(256)
    return data
  }

  dirty(unit: UnitId): Writeback[] {
    const n = this.int(4)
    return Array.from({length: n}, () => ({page: this.pick(this.pages(unit)), data: this.bytes()}))
  }

  /** A seq this node does not hold on the unit: an old hold's, or one never issued to it. */
  staleSeq(v: View): number {
    if (v.pastSeqs.length > 0 && this.rand() < 0.7) return this.pick(v.pastSeqs)
    const seq = 1 + this.int(8)
    return seq === v.held?.seq ? seq + 100 : seq
  }

  staleRequest(node: NodeId, unit: UnitId, v: View): ManagerRequest {
    const seq = this.staleSeq(v)
    const generation = this.int(6)
    if (this.rand() < 0.5) return {type: 'writeback', node, unit, seq, generation, writeback: this.dirty(unit)}
    return {type: 'demote', node, unit, seq, to: this.rand() < 0.7 ? 'UN' : 'SH', generation, writeback: this.dirty(unit)}
  }

  illegalRequest(node: NodeId, unit: UnitId, v: View): ManagerRequest {
    const options: ManagerRequest[] = [{type: 'acquire', node, unit, mode: 'SH', page: {file: 'elsewhere', page: 0}, try: false}]
    if (v.held !== null || v.waiting !== null) options.push({type: 'acquire', node, unit, mode: this.pick(['SH', 'EX'] as const), page: this.pick(this.pages(unit)), try: this.rand() < 0.5})
    if (v.held === null || v.held.mode === 'EX') options.push({type: 'upgrade', node, unit, seq: v.held?.seq ?? 1})
    if (v.held?.mode === 'SH') {
      options.push({type: 'upgrade', node, unit, seq: v.held.seq + 1000})
      options.push({type: 'demote', node, unit, seq: v.held.seq, to: 'SH', generation: v.held.generation, writeback: []})
      if (v.waiting === 'upgrade') options.push({type: 'upgrade', node, unit, seq: v.held.seq})
    }
    return this.pick(options)
  }

  /** Mostly what a real node would do next; sometimes stale, rarely illegal. */
  nextRequest(): ManagerRequest {
    const node = this.pick(this.nodes)
    const unit = this.pick(this.units)
    const v = this.view(node, unit)
    const r = this.rand()
    if (r < 0.03) return this.illegalRequest(node, unit, v)
    if (r < 0.1) return this.staleRequest(node, unit, v)
    if (r < 0.13) return {type: 'cancel', node, unit}
    const held = v.held
    if (held === null) {
      if (v.waiting === 'acquire') return this.rand() < 0.6 ? {type: 'cancel', node, unit} : this.staleRequest(node, unit, v)
      return {type: 'acquire', node, unit, mode: this.rand() < 0.5 ? 'SH' : 'EX', page: this.pick(this.pages(unit)), try: this.rand() < 0.2}
    }
    const generation = this.rand() < 0.1 ? held.generation + this.pick([-1, 1]) : held.generation
    const cb = v.callback
    // A node whose callback a pin holds tells the manager (wait-for graph); sometimes stale.
    if (cb !== null && this.rand() < 0.15) return {type: 'defer', node, unit, seq: this.rand() < 0.8 ? held.seq : this.staleSeq(v)}
    if (cb !== null && cb.seq === held.seq && this.rand() < 0.6) {
      const writeback = held.mode === 'EX' ? this.dirty(unit) : []
      const to = cb.kind === 'downgrade' && held.mode === 'EX' ? 'SH' : 'UN'
      return {type: 'demote', node, unit, seq: held.seq, to, generation, writeback}
    }
    const x = this.rand()
    if (held.mode === 'SH') {
      if (v.waiting === 'upgrade') {
        if (x < 0.4) return {type: 'cancel', node, unit}
        if (x < 0.8) return {type: 'demote', node, unit, seq: held.seq, to: 'UN', generation, writeback: []}
        return {type: 'writeback', node, unit, seq: held.seq, generation, writeback: this.dirty(unit)}
      }
      if (x < 0.45) return {type: 'upgrade', node, unit, seq: held.seq}
      if (x < 0.85) return {type: 'demote', node, unit, seq: held.seq, to: 'UN', generation, writeback: this.rand() < 0.15 ? this.dirty(unit) : []}
      return {type: 'writeback', node, unit, seq: held.seq, generation, writeback: this.dirty(unit)}
    }
    if (x < 0.3) return {type: 'demote', node, unit, seq: held.seq, to: 'UN', generation, writeback: this.dirty(unit)}
    if (x < 0.6) return {type: 'demote', node, unit, seq: held.seq, to: 'SH', generation, writeback: this.dirty(unit)}
    return {type: 'writeback', node, unit, seq: held.seq, generation, writeback: this.dirty(unit)}
  }

  /** The requester learns from its reply, then every node from its messages (stream order). */
  learn(req: ManagerRequest, reply: ManagerReply, messages: {to: NodeId; message: NodeMessage}[]): void {
    const v = this.view(req.node, req.unit)
    switch (reply.type) {
      case 'granted':
        if (req.type === 'upgrade' && v.held !== null) v.held = {mode: 'EX', seq: v.held.seq, generation: reply.generation}
        else v.held = {mode: reply.mode, seq: reply.seq, generation: reply.generation}
        break
      case 'queued':
        // no-conversion-refusal: a second upgrade is answered `queued` and forgotten (the bug).
        if (req.type === 'upgrade' && this.breakVariant === 'no-conversion-refusal' && unitState(this.model, req.unit).upgrading !== req.node) break
        v.waiting = req.type === 'upgrade' ? 'upgrade' : 'acquire'
        break
      case 'demoted':
        if (req.type === 'demote' && v.held !== null) {
          if (req.to === 'UN') {
            v.pastSeqs.push(v.held.seq)
            v.held = null
            v.callback = null
            if (v.waiting === 'upgrade') v.waiting = null
          } else {
            v.held = {...v.held, mode: 'SH'}
            if (v.callback?.kind === 'downgrade') v.callback = null
          }
        }
        break
      case 'cancelled':
        v.waiting = null
        break
      default:
        break
    }
    this.learnMessages(messages)
  }

  /** A node declared dead knows nothing any more (its restart would be a new node id). */
  forget(node: NodeId): void {
    for (const unit of this.units) this.views.set(`${node}|${unit}`, {held: null, waiting: null, callback: null, pastSeqs: []})
  }

  learnMessages(messages: {to: NodeId; message: NodeMessage}[]): void {
    for (const {to, message} of messages) {
      const w = this.view(to, message.unit)
      if (message.type === 'callback') {
        w.callback = {kind: message.kind, seq: message.seq}
        // early-grant: the manager dropped the hold when it asked for the release.
        if (this.breakVariant === 'early-grant' && message.kind === 'release' && w.held?.seq === message.seq) {
          w.pastSeqs.push(w.held.seq)
          w.held = null
          w.callback = null
          if (w.waiting === 'upgrade') w.waiting = null
        }
      } else if (message.type === 'grant') {
        w.held = {mode: message.mode, seq: message.seq, generation: message.generation}
        w.waiting = null
      }
    }
  }

  /** The generator's views must match the manager's truth, or the requests are not "legal". */
  checkViews(): void {
    for (const unit of this.units) {
      const s = unitState(this.model, unit)
      for (const node of this.nodes) {
        const v = this.view(node, unit)
        const h = s.holders.find((x) => x.node === node)
        const what = `view of node ${node} on ${unit}`
        same(v.held === null ? null : {mode: v.held.mode, seq: v.held.seq}, h === undefined ? null : {mode: h.mode, seq: h.seq}, what)
        if (v.held?.mode === 'EX') same(v.held.generation, s.generation, what)
        same(v.waiting === 'acquire', s.queue.some((w) => w.node === node), what)
        same(v.waiting === 'upgrade', s.upgrading === node, what)
      }
    }
  }
}

/** `node:type:unit:kind-or-mode:seq` of each XADD a script ran, in execution order. */
function xaddOrder(entries: readonly MonitorEntry[], prefix: string): string[] {
  const inbox = `${prefix}in:`
  return entries
    .filter((e) => e.source === 'lua' && e.args[0]?.toLowerCase() === 'xadd' && e.args[1]?.startsWith(inbox))
    .map((e) => {
      const fields = new Map<string, string>()
      // Field pairs after `XADD key MAXLEN ~ N *`; stop before the (binary, escaped) data.
      for (let i = 6; i + 1 < e.args.length && e.args[i] !== 'data'; i += 2) fields.set(e.args[i] ?? '', e.args[i + 1] ?? '')
      const node = e.args[1]?.slice(inbox.length)
      return `${node}:${fields.get('type')}:${fields.get('unit')}:${fields.get('kind') ?? fields.get('mode')}:${fields.get('seq')}`
    })
}

function outOrder(out: readonly Outgoing[]): string[] {
  return out.map(({to, message: m}) => `${to}:${m.type}:${m.unit}:${m.type === 'callback' ? m.kind : m.type === 'grant' ? m.mode : undefined}:${m.type === 'deadlock' ? undefined : m.seq}`)
}

type Outcome = {ok: true; decision: Decision} | {ok: false; error: unknown}

async function runSequence(seed: number, stats: Record<string, number>, tap: MonitorTap | null = null, breakVariant: ManagerBreak | null = null): Promise<void> {
  const seq = new Sequence(seed, breakVariant)
  const runId = freshRunId(`diff${breakVariant ?? ''}${seed}`)
  const lm = new RedisLockManager(redis, runId, {breakVariant})
  const inbox = new InboxReader(redis, runId, seq.nodes)
  const steps = 20 + seq.int(41)
  const log: string[] = []
  // Some sequences lose one node (lease expiry) part-way: declared dead, then purged unit by unit.
  const killAt = seq.rand() < 0.5 ? seq.int(steps) : -1
  try {
    for (let step = 0; step < steps; step++) {
      if (step === killAt) {
        const victim = seq.pick(seq.nodes)
        log.push(`kill node ${victim}`)
        await killAndPurge(seq, lm, inbox, victim, stats, tap, runId)
      }
      const req = seq.nextRequest()
      log.push(JSON.stringify(req, (_k, value: unknown) => (value instanceof Uint8Array ? `<${value.length} bytes>` : value)))
      let model: Outcome
      try {
        model = {ok: true, decision: decide(seq.model, req)}
      } catch (error) {
        model = {ok: false, error}
      }
      let reply: ManagerReply | null = null
      let redisError: unknown = null
      try {
        reply = await lm.send(req)
      } catch (error) {
        redisError = error
      }
      if (tap !== null) {
        const marker = `step-${runId}-${step}`
        await redis.echo(marker)
        const order = xaddOrder(await tap.until(marker), runPrefix(runId))
        same(order, model.ok ? outOrder(model.decision.out) : [], 'global message order')
        stats['ordered-steps'] = (stats['ordered-steps'] ?? 0) + 1
      }
      const [messages, units, disks] = await Promise.all([
        inbox.read(),
        Promise.all(seq.units.map((u) => lm.unitState(u))),
        Promise.all(seq.allPages().map((p) => lm.readDiskRecord(p))),
      ])
      if (!model.ok) {
        expect(model.error).toBeInstanceOf(ProtocolError)
        expect(redisError).toBeInstanceOf(ProtocolError)
        expect(messages).toEqual([])
        stats['protocol-error'] = (stats['protocol-error'] ?? 0) + 1
      } else {
        same(redisError, null, 'redis error')
        same(reply, model.decision.reply, 'reply')
        same(grouped(messages), grouped(model.decision.out), 'messages per node')
        const r = model.decision.reply
        const key = `${req.type}:${r.type}${r.type === 'refused' ? `:${r.reason}` : ''}`
        stats[key] = (stats[key] ?? 0) + 1
        for (const {to, message} of messages) {
          const kind = message.type === 'grant' ? (message.upgrade ? 'grant-upgrade' : 'grant') : message.type === 'deadlock' ? 'deadlock' : message.kind
          stats[`msg:${kind}`] = (stats[`msg:${kind}`] ?? 0) + 1
          const before = seq.view(to, message.unit).callback
          if (message.type === 'callback' && message.kind === 'release' && before?.kind === 'downgrade' && before.seq === message.seq) stats['msg:escalation'] = (stats['msg:escalation'] ?? 0) + 1
        }
        if (breakVariant === 'no-conversion-refusal' && req.type === 'upgrade' && r.type === 'queued' && unitState(seq.model, req.unit).upgrading !== req.node) stats['break:forgotten-upgrade'] = (stats['break:forgotten-upgrade'] ?? 0) + 1
        const released = messages.filter((m) => m.message.type === 'callback' && m.message.kind === 'release').map((m) => m.message.unit)
        if (breakVariant === 'early-grant' && messages.some((m) => m.message.type === 'grant' && released.includes(m.message.unit))) stats['break:grant-with-release'] = (stats['break:grant-with-release'] ?? 0) + 1
        seq.learn(req, model.decision.reply, messages)
      }
      same(units, seq.units.map((u) => unitState(seq.model, u)), 'unit states')
      same(await lm.waitGraph(), waitGraphView(seq.model.graph), 'wait-for graph')
      same(disks, seq.allPages().map((p) => diskRecord(seq.model, p)), 'disk')
      seq.checkViews()
    }
  } catch (error) {
    const detail = `seed ${seed}${breakVariant ? ` (--break ${breakVariant})` : ''}, nodes ${seq.nodes.join(',')}, units ${seq.units.join(',')}, requests:\n  ${log.join('\n  ')}`
    if (error instanceof Error) error.message = `${error.message}\n${detail}`
    throw error
  }
  stats.steps = (stats.steps ?? 0) + steps
}

/** Node death in both: reap (forced) + purge of every unit; replies, messages and state must agree. */
async function killAndPurge(seq: Sequence, lm: RedisLockManager, inbox: InboxReader, victim: NodeId, stats: Record<string, number>, tap: MonitorTap | null, runId: string): Promise<void> {
  const allOut: Outgoing[] = []
  const modelUnits = declareDead(seq.model, victim)
  const luaUnits = await lm.reap(victim, true)
  expect(luaUnits).not.toBeNull()
  // Lua remembers every unit the node ever touched: a superset of where it is now.
  for (const unit of modelUnits) expect(luaUnits).toContain(unit)
  seq.forget(victim)
  stats.kills = (stats.kills ?? 0) + 1
  for (const unit of seq.units) {
    const pinned = seq.model.graph.pinned.has(`${victim}|${unit}`)
    const model = purge(seq.model, victim, unit)
    const reply = await lm.purge(victim, unit)
    const messages = await inbox.read()
    same(reply, model.reply, `purge reply on ${unit}`)
    same(grouped(messages), grouped(model.out), `purge messages on ${unit}`)
    if (model.reply.held === 'EX') stats['purge:EX'] = (stats['purge:EX'] ?? 0) + 1
    if (model.reply.waiting) stats['purge:waiting'] = (stats['purge:waiting'] ?? 0) + 1
    if (model.out.some((o) => o.message.type === 'grant')) stats['purge:granted-waiter'] = (stats['purge:granted-waiter'] ?? 0) + 1
    if (pinned) stats['purge:pinned'] = (stats['purge:pinned'] ?? 0) + 1
    seq.learnMessages(messages)
    allOut.push(...model.out)
    same(await lm.unitState(unit), unitState(seq.model, unit), `unit state after purge of ${unit}`)
    // The dead node leaves the wait-for graph in both (its waits and its pin-deferred callbacks).
    same(await lm.waitGraph(), waitGraphView(seq.model.graph), `wait-for graph after purge of ${unit}`)
  }
  // (A broken manager may leave the graph out of step with the queues: checked on the real one.)
  if (seq.model.breakVariant === null) {
    for (const w of seq.model.graph.waits.values()) expect(w.node).not.toBe(victim)
    for (const p of seq.model.graph.pinned.values()) expect(p.node).not.toBe(victim)
  }
  if (tap !== null) {
    const marker = `kill-${runId}`
    await redis.echo(marker)
    same(xaddOrder(await tap.until(marker), runPrefix(runId)), outOrder(allOut), 'global message order of the purges')
  }
  seq.checkViews()
}

describe('differential: model vs Lua scripts', () => {
  const stats: Record<string, number> = {}
  const perChunk = SEQUENCES / CHUNKS
  for (let chunk = 0; chunk < CHUNKS; chunk++) {
    it(`agrees on seeds ${chunk * perChunk + 1}..${(chunk + 1) * perChunk}`, async () => {
      for (let seed = chunk * perChunk + 1; seed <= (chunk + 1) * perChunk; seed++) await runSequence(seed, stats)
    })
  }

  it(`agrees on the global message order across nodes (MONITOR) on seeds 1..${ORDERED_SEQUENCES}`, async () => {
    const tap = await MonitorTap.start(server.url)
    try {
      for (let seed = 1; seed <= ORDERED_SEQUENCES; seed++) await runSequence(seed, stats, tap)
    } finally {
      tap.stop()
    }
  })

  it('exercised every kind of decision', () => {
    console.log(`differential coverage over ${SEQUENCES} sequences: ${JSON.stringify(stats)}`)
    const expected = [
      'acquire:granted',
      'acquire:queued',
      'acquire:busy',
      'upgrade:granted',
      'upgrade:queued',
      'upgrade:refused:conversion-deadlock',
      'upgrade:refused:callback-pending',
      'demote:demoted',
      'demote:stale',
      'writeback:written',
      'writeback:stale',
      'cancel:cancelled',
      'cancel:not-waiting',
      'protocol-error',
      'msg:grant',
      'msg:grant-upgrade',
      'msg:release',
      'msg:downgrade',
      'msg:escalation',
      'kills',
      'purge:EX',
      'purge:waiting',
      'purge:granted-waiter',
      'purge:pinned',
      'defer:noted',
      'defer:stale',
      'msg:deadlock',
    ]
    for (const key of expected) expect(stats[key] ?? 0, key).toBeGreaterThan(0)
  })
})

describe('differential: model vs Lua scripts, broken manager variants (--break)', () => {
  for (const variant of ['early-grant', 'no-conversion-refusal'] as const) {
    it(`agree on seeds 1..${BROKEN_SEQUENCES} with --break ${variant}, and the variant changes decisions`, async () => {
      const stats: Record<string, number> = {}
      for (let seed = 1; seed <= BROKEN_SEQUENCES; seed++) await runSequence(seed, stats, null, variant)
      if (variant === 'no-conversion-refusal') {
        expect(stats['upgrade:refused:conversion-deadlock'] ?? 0).toBe(0)
        expect(stats['break:forgotten-upgrade'] ?? 0).toBeGreaterThan(0)
      } else {
        // A grant goes out in the same decision as the release callback that should have preceded it.
        expect(stats['break:grant-with-release'] ?? 0).toBeGreaterThan(0)
      }
      expect(stats.steps ?? 0).toBeGreaterThan(0)
    })
  }
})
