// The orchestrator's side of node loss (issue 4): owns the node processes of a run, carries out
// fault requests (kill, pause, resume), restarts killed nodes as new incarnations, and runs the
// reaper that turns an expired lease into a dead, purged node. Every step goes to events.jsonl.
//
// Who detects expiry: this reaper, one per run, every ttl/4. The alternative (each request
// script checking the holders' leases lazily) puts a lease read per holder on every fault's
// hot path and still never frees a unit nobody asks for; the reaper costs one HGETALL + one
// EXISTS per live node per period and bounds detection to ttl + ttl/4 after the last renewal.
import {ReplyError, type Redis} from 'ioredis'
import {ProtocolError} from '../protocol/manager.js'
import {REDIS_URL_ENV} from '../util/redis-url.js'
import {join} from 'node:path'
import {RedisLockManager} from '../redis/lock-manager.js'
import {keys} from '../redis/keys.js'
import {spawnNode, type NodeProcess} from '../process/spawn.js'
import {NODE_EXIT} from '../records/exit-codes.js'
import {processId} from '../records/history.js'
import type {EventLog} from '../results/events.js'
import {FAILOVER_REDIS, readChaos, RESTART_REDIS, type ChaosOutcome, type ChaosRequest} from './requests.js'
import {injectRedisFault} from './redis-faults.js'
import type {RedisDeployment} from '../redis/topology/deployment.js'
import {lossText, type RedisFaultRecord} from '../records/redis-faults.js'
import {answerChaos} from './confirm.js'
import {NetChaos, type FaultKind} from './net-chaos.js'
import type {NetworkFaults} from '../net/faults.js'
import {sendControl} from '../redis/control.js'


/** How often the supervision loop looks for chaos requests. */
const CHAOS_POLL_MS = 20
export interface Incarnation {
  readonly node: number
  readonly incarnation: number
  readonly proc: number
  readonly process: NodeProcess
  /** Its exit is expected (we killed it, or it lost its lease): not a failed run. */
  expected: boolean
  handled: boolean
}

export interface SupervisorOptions {
  readonly redis: Redis
  readonly runId: string
  readonly redisUrl: string
  readonly dir: string
  readonly nodes: number
  readonly leaseTtlMs: number
  readonly events: EventLog
  /** The node finished its workload: a later death is not restarted. */
  readonly isDone: (node: number) => boolean
  /** The run's private Redis, for `restart-redis` and `failover-redis` (null: Redis is not ours). */
  readonly deployment: RedisDeployment | null
  /** The run's fault proxies (network faults); null: nodes connect to Redis directly. */
  readonly net?: NetworkFaults | null
  /**
   * Nodes this supervisor did not spawn (`cmm node`, --external-nodes): the process id of the
   * node's latest incarnation that reported, so network faults and skew reach it through its proxy.
   */
  readonly joined?: (node: number) => number | null
}

/** Upper bound of purges per reaper pass (units a dead node touched are bounded by the workload). */
const MAX_PURGES_PER_PASS = 100_000

export class Supervisor {
  private readonly incarnations: Incarnation[] = []
  private readonly current = new Map<number, Incarnation>()
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly pendingRestart = new Set<number>()
  /** When each process's latest fault began, and its kind (recovery is measured from it). */
  private readonly faultAt = new Map<number, {at: number; kind: FaultKind; endedAt: number | null}>()
  private readonly paused = new Set<number>()
  /** Processes whose locks the reaper purged (the live view stops showing their locks). */
  readonly purged = new Set<number>()
  readonly net: NetChaos
  readonly deadProcs = new Set<number>()
  /** Wall-clock ms each dead process was declared dead (reaped), or seen gone (exit). */
  readonly deathMs = new Map<number, number>()
  private readonly lm: RedisLockManager
  private reaper: NodeJS.Timeout | null = null
  private reaping = false
  private stopping = false
  private chaosId = '0-0'
  /** Recovery times (ms): fault (kill, pause, partition, ...) -> locks purged and regranted. */
  readonly recoveries: {proc: number; kind: FaultKind | null; sinceKillMs: number | null; purgeMs: number}[] = []
  reaperError: Error | null = null
  /** Redis forgot the run (its epoch key vanished): nothing the nodes or the manager held survives. */
  redisLost: string | null = null
  /** From here on, reports come from a Redis that lost earlier ones: history after it is not trusted. */
  redisRestarting = false
  private lastChaosPoll = 0
  private lastEpochCheck = 0
  /** Redis faults carried out, with what each lost (run.json `redisFaults`). */
  readonly redisFaults: RedisFaultRecord[] = []
  private redisFault: Promise<void> | null = null

  constructor(private readonly o: SupervisorOptions) {
    this.lm = new RedisLockManager(o.redis, o.runId)
    this.net = new NetChaos({
      net: o.net ?? null, events: o.events, nodes: o.nodes,
      running: (node) => {
        const inc = this.current.get(node)
        // A node done with its workload only serves callbacks until the flush: a fault now would cost the run its final write-back.
        if (this.o.isDone(node)) return null
        if (inc === undefined) {
          const proc = this.o.joined?.(node) ?? null
          return proc === null || this.purged.has(proc) ? null : proc
        }
        return exitedOf(inc) ? null : inc.proc
      },
      sendSkew: (node, offsetUs, rate) => sendControl(o.redis, o.runId, node, {type: 'skew', offsetUs, rate}),
      noteFault: (proc, kind) => this.faultAt.set(proc, {at: Date.now(), kind, endedAt: null}),
      noteFaultEnd: (node) => this.faultEnded(node),
      later: (ms, fn) => this.later(ms, fn),
    })
  }

  all(): NodeProcess[] {
    return this.incarnations.map((i) => i.process)
  }

  spawn(node: number, incarnation = 0): Incarnation {
    const proc = processId(node, incarnation, this.o.nodes)
    const process = spawnNode(node, {[REDIS_URL_ENV]: this.o.net?.urlOf(node) ?? this.o.redisUrl}, this.o.runId, join(this.o.dir, 'nodes'), incarnation)
    const inc: Incarnation = {node, incarnation, proc, process, expected: false, handled: false}
    this.incarnations.push(inc)
    this.current.set(node, inc)
    if (incarnation > 0) this.o.events.write('node-restarted', {node, proc, incarnation, pid: process.child.pid ?? -1})
    return inc
  }

  pids(): {node: number; proc: number; pid: number}[] {
    return [...this.current.values()].map((i) => ({node: i.node, proc: i.proc, pid: i.process.child.pid ?? -1}))
  }

  startReaper(): void {
    const every = Math.max(10, Math.floor(this.o.leaseTtlMs / 4))
    this.reaper = setInterval(() => void this.reapOnce(), every)
  }

  /** Nodes that will never report `done` (killed for good). */
  gone(): Set<number> {
    const out = new Set<number>()
    for (const [node, inc] of this.current) if (inc.handled && !this.pendingRestart.has(node) && !this.o.isDone(node)) out.add(node)
    return out
  }

  /** Nodes whose current process is gone for good (exited, no restart pending), done or not. */
  down(): Set<number> {
    const out = new Set<number>()
    for (const [node, inc] of this.current) if (exitedOf(inc) && !this.pendingRestart.has(node)) out.add(node)
    return out
  }

  /**
   * For the live view: a node chaos killed, with (`restarting`) or without (`killed`) a restart
   * coming; SIGSTOPped (`paused`); cut off (`partitioned`) or slowed (`delayed`) by the proxy.
   */
  liveState(node: number): 'killed' | 'restarting' | 'paused' | 'partitioned' | 'delayed' | null {
    const inc = this.current.get(node)
    if (inc === undefined) return null
    if (inc.expected) return this.pendingRestart.has(node) ? 'restarting' : 'killed'
    if (this.paused.has(inc.proc)) return 'paused'
    return this.net.stateOf(node)
  }

  /** The node's current process had its locks purged (dead; its last reported locks are gone). */
  purgedNow(node: number): boolean {
    const inc = this.current.get(node)
    return inc !== undefined && this.purged.has(inc.proc)
  }

  /** A process that exited on its own, unexpectedly (a crash): the run fails. */
  crashed(): Incarnation | undefined {
    return [...this.current.values()].find((i) => !i.expected && exitedOf(i) && i.process.child.exitCode !== 0 && !this.o.isDone(i.node))
  }

  /** One step of the supervision loop: fault requests, exits, restarts. Never blocks long. */
  async tick(): Promise<void> {
    if (this.redisLost) return
    // While a Redis fault is carried out, its own measurement says whether the run survived.
    if (this.redisFault === null && Date.now() - this.lastEpochCheck >= Math.max(10, this.o.leaseTtlMs / 4)) {
      this.lastEpochCheck = Date.now()
      const epoch = await this.o.redis.exists(keys.epoch(this.o.runId)).catch(() => -1)
      if (epoch === 0) {
        this.loseRun('Redis lost the run\'s state (its epoch key is gone: the server restarted); nodes dropped their locks and caches, and the run cannot continue on a disk Redis forgot')
        return
      }
    }
    // The loop ticks once per outbox read (up to 50 times a second in a busy run): asking Redis
    // for chaos requests every CHAOS_POLL_MS is as prompt for a human or a schedule, and far cheaper.
    const due = Date.now() - this.lastChaosPoll >= CHAOS_POLL_MS
    if (due) this.lastChaosPoll = Date.now()
    for (const {id, req} of due ? await readChaos(this.o.redis, this.o.runId, this.chaosId).catch(() => []) : []) {
      this.chaosId = id
      const outcome = await this.apply(req)
      if (!outcome.applied) this.o.events.write('chaos-ignored', {node: req.node, signal: req.signal, why: outcome.reason, from: req.from})
      if (req.ack) await answerChaos(this.o.redis, this.o.runId, id, outcome).catch(() => {})
      if (this.redisLost) return
    }
    for (const inc of this.current.values()) {
      if (inc.handled || !exitedOf(inc)) continue
      const code = inc.process.child.exitCode
      if (inc.expected || code === NODE_EXIT.leaseLost) this.deathMs.set(inc.proc, Math.min(this.deathMs.get(inc.proc) ?? Infinity, Date.now()))
      if (code === NODE_EXIT.leaseLost) {
        inc.expected = true
        this.deadProcs.add(inc.proc)
        this.o.events.write('lease-lost', {node: inc.node, proc: inc.proc})
        inc.handled = true
        this.scheduleRestart(inc.node, 0)
      } else if (inc.expected) {
        inc.handled = true
      } else if (code === 0 || this.o.isDone(inc.node)) {
        inc.handled = true
      }
    }
  }

  /** A Redis fault runs beside the supervision loop (a failover takes seconds); one at a time. */
  private startRedisFault(req: ChaosRequest): ChaosOutcome {
    const kind = req.signal === FAILOVER_REDIS ? 'failover' : 'restart'
    const d = this.o.deployment
    const why = d === null ? 'Redis is not a private server of this run'
      : this.redisFault !== null ? 'another Redis fault is in progress'
      : kind === 'failover' && d.topology !== 'sentinel' ? 'failover-redis needs --redis-topology sentinel'
      : null
    if (d === null || why !== null) return {applied: false, reason: why ?? 'Redis is not a private server of this run'}
    this.o.events.write(kind === 'restart' ? 'redis-restart' : 'redis-failover', {from: req.from, durability: d.durability, topology: d.topology})
    // A primary restarted without persistence comes back empty: reports after it are not trusted.
    if (kind === 'restart' && d.durability === 'none') this.redisRestarting = true
    this.redisFault = injectRedisFault(kind, d, this.o.runId).then(
      (record) => {
        this.redisFaults.push(record)
        const loss = record.loss
        this.o.events.write(kind === 'restart' ? 'redis-restarted' : 'redis-failed-over', {
          backAfterMs: record.backAfterMs, promotedAfterMs: record.promotedAfterMs ?? null, to: record.to ?? null,
          runKept: loss?.runKept ?? null, pagesLost: loss?.pages.length ?? null, unitsLost: loss?.units.length ?? null, inboxesLost: loss?.streams.length ?? null,
        })
        if (loss !== null && !loss.runKept) this.loseRun(`Redis lost the run's state in a ${kind} (${d.durability === 'none' ? 'no persistence' : d.durability}): ${lossText(loss)}`)
      },
      (error: Error) => this.loseRun(`Redis ${kind} failed: ${error.message}`),
    ).finally(() => {
      this.redisFault = null
      this.lastEpochCheck = 0
    })
    return {applied: true, detail: `Redis ${kind} started (its account: events.jsonl and the summary)`}
  }

  private loseRun(message: string): void {
    this.redisRestarting = true
    this.redisLost ??= message
    this.o.events.write('redis-lost', {message})
  }

  async apply(req: ChaosRequest): Promise<ChaosOutcome> {
    if (req.signal === 'PARTITION' || req.signal === 'DELAY' || req.signal === 'SKEW' || req.signal === 'HEAL') return this.net.apply(req)
    if (req.signal === RESTART_REDIS || req.signal === FAILOVER_REDIS) return this.startRedisFault(req)
    const inc = this.current.get(req.node)
    if (inc === undefined || exitedOf(inc)) {
      const why = inc === undefined ? 'has not started' : this.pendingRestart.has(req.node) ? 'is down (a restart is pending)' : !inc.expected && this.o.isDone(req.node) ? 'finished its workload' : 'is not running (it died or was killed)'
      return {applied: false, reason: `node ${req.node} ${why}`}
    }
    const pid = inc.process.child.pid ?? -1
    if (req.signal === 'KILL') {
      inc.expected = true
      this.deadProcs.add(inc.proc)
      this.faultAt.set(inc.proc, {at: Date.now(), kind: 'kill', endedAt: null})
      this.o.events.write('kill', {node: req.node, proc: inc.proc, pid, from: req.from, restartAfterMs: req.restartAfterMs})
      inc.process.child.kill('SIGKILL')
      if (req.restartAfterMs !== null) this.scheduleRestart(req.node, req.restartAfterMs)
      return {applied: true, detail: `killed node ${req.node} (process ${inc.proc}, pid ${pid})${req.restartAfterMs === null ? '' : `, restart after ${req.restartAfterMs} ms`}`}
    }
    if (req.signal === 'STOP') {
      this.faultAt.set(inc.proc, {at: Date.now(), kind: 'pause', endedAt: null})
      this.paused.add(inc.proc)
      this.o.events.write('pause', {node: req.node, proc: inc.proc, pid, from: req.from, resumeAfterMs: req.resumeAfterMs ?? null})
      inc.process.child.kill('SIGSTOP')
      if (req.resumeAfterMs !== undefined && req.resumeAfterMs !== null) {
        this.later(req.resumeAfterMs, () => void this.apply({node: req.node, signal: 'CONT', restartAfterMs: null, from: req.from}))
      }
      return {applied: true, detail: `paused node ${req.node} (pid ${pid})${req.resumeAfterMs == null ? '' : `, resume after ${req.resumeAfterMs} ms`}`}
    }
    this.paused.delete(inc.proc)
    this.faultEnded(req.node)
    this.o.events.write('resume', {node: req.node, proc: inc.proc, pid, from: req.from})
    inc.process.child.kill('SIGCONT')
    return {applied: true, detail: `resumed node ${req.node} (pid ${pid})`}
  }

  /** The node's current fault ended (heal, resume): a death long after it is not its doing. */
  private faultEnded(node: number): void {
    const inc = this.current.get(node)
    const f = inc === undefined ? undefined : this.faultAt.get(inc.proc)
    if (f !== undefined && f.endedAt === null) f.endedAt = Date.now()
  }

  /** The fault a death is the consequence of: one still in force, or ended less than a lease ago. */
  private causeOf(proc: number, detected: number): {at: number; kind: FaultKind} | undefined {
    const f = this.faultAt.get(proc)
    if (f === undefined) return undefined
    const graceMs = this.o.leaseTtlMs * 1.25 + 50
    return f.endedAt === null || detected - f.endedAt <= graceMs ? f : undefined
  }

  private scheduleRestart(node: number, afterMs: number): void {
    if (this.stopping || this.o.isDone(node)) return
    this.pendingRestart.add(node)
    this.later(afterMs, () => {
      this.pendingRestart.delete(node)
      const prev = this.current.get(node)
      if (this.stopping || prev === undefined || this.o.isDone(node)) return
      // Not before the old process is really gone (a SIGKILL is not instantaneous).
      void prev.process.exited.then(() => {
        if (!this.stopping && this.current.get(node) === prev) this.spawn(node, prev.incarnation + 1)
      })
    })
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t)
      fn()
    }, Math.max(0, ms))
    this.timers.add(t)
  }

  private async reapOnce(): Promise<void> {
    if (this.reaping || this.stopping) return
    this.reaping = true
    try {
      const members = await this.o.redis.hgetall(keys.members(this.o.runId))
      let purges = 0
      for (const [procText, nodeText] of Object.entries(members)) {
        const proc = Number(procText)
        const units = await this.lm.reap(proc)
        if (units === null) continue
        const detected = Date.now()
        this.deadProcs.add(proc)
        this.deathMs.set(proc, Math.min(this.deathMs.get(proc) ?? Infinity, detected))
        const fault = this.causeOf(proc, detected)
        const killed = fault?.at
        this.o.events.write('death-detected', {node: Number(nodeText), proc, units: units.length, sinceFaultMs: killed === undefined ? null : detected - killed, fault: fault?.kind ?? null})
        let heldEx = 0
        let waiting = 0
        for (const unit of units) {
          if (++purges > MAX_PURGES_PER_PASS) throw new Error(`reaper: more than ${MAX_PURGES_PER_PASS} purges in one pass`)
          const r = await this.lm.purge(proc, unit)
          if (r.held === 'EX') heldEx++
          if (r.waiting) waiting++
        }
        const done = Date.now()
        const sinceKillMs = killed === undefined ? null : done - killed
        this.recoveries.push({proc, kind: fault?.kind ?? null, sinceKillMs, purgeMs: done - detected})
        this.purged.add(proc)
        this.o.events.write('locks-regranted', {node: Number(nodeText), proc, units: units.length, heldEx, waiting, purgeMs: done - detected, sinceFaultMs: sinceKillMs, fault: fault?.kind ?? null})
      }
    } catch (error) {
      // A script that fails is a bug: the run's loop sees it (reaperError) and ends the run. A
      // lost connection is retried on the next pass (a Redis restart is caught by the epoch check).
      if (error instanceof ReplyError || error instanceof ProtocolError) this.reaperError ??= error as Error
    } finally {
      this.reaping = false
    }
  }

  stop(): void {
    this.stopping = true
    if (this.reaper) clearInterval(this.reaper)
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    // A paused node must be able to hear `stop`.
    for (const inc of this.current.values()) if (!exitedOf(inc)) inc.process.child.kill('SIGCONT')
  }
}

function exitedOf(inc: Incarnation): boolean {
  return inc.process.child.exitCode !== null || inc.process.child.signalCode !== null
}

