// Runs one workload end to end: Redis (private or given), node processes (spawned here or
// joined by hand with --external-nodes), start, collect, stop, results. Every wait is bounded.
import {randomBytes} from 'node:crypto'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {setTimeout as sleep} from 'node:timers/promises'
import {join} from 'node:path'
import type {Redis} from 'ioredis'
import {keys} from '../redis/keys.js'
import {startDeployment, type RedisDeployment, type Topology} from '../redis/topology/deployment.js'
import {DEFAULT_DURABILITY, survivesRestart, type Durability} from '../redis/durability.js'
import {connectRedis, ensureReachable, waitAcrossReconnects} from '../util/redis-client.js'
import type {RedisRecovery} from '../records/run-meta.js'
import {redisFaultAccount} from './redis-fault-account.js'
import {hideSecrets, redactRedisUrl} from '../util/redis-url.js'
import {nowUs} from '../util/clock.js'
import type {ProtocolSettings} from '../protocol/types.js'
import type {ChaosStep, Workload} from '../workload/types.js'
import {META_FORMAT, settingsOf} from '../records/run-meta.js'
import {encodeMeta} from '../node/run-meta.js'
import {scanRunKeys, startHeartbeat, type Heartbeat, EXTERNAL_JOIN_TIMEOUT_MS} from '../redis/heartbeat.js'
import {setStatus, writeMeta} from '../redis/run-meta.js'
import {encodeMessage, type ControlMessage} from '../records/messages.js'
import type {BreakVariant} from '../protocol/break.js'
import {NO_FINAL_STATE, type FinalState} from '../records/final-state.js'
import {readFinalDisk, readManagerUnits} from './final-state.js'
import {OutboxReader, READ_COUNT} from './outbox.js'
import {deathsNs, ReportCollector, type Collected} from './collector.js'
import {historyRows, RecordStore} from './record-store.js'
import {howItEnded, killNodes, reapNodes, type NodeProcess} from '../process/spawn.js'
import {startNetworkFaults, needsFaultProxy} from '../chaos/run-proxies.js'
import {sendControl} from '../redis/control.js'
import type {NetworkFaults} from '../net/faults.js'
import {faultTable} from '../chaos/fault-table.js'
import {Supervisor} from '../chaos/supervisor.js'
import {registerLive, unregisterLive} from '../chaos/live.js'
import {EventLog} from '../results/events.js'
import {DEFAULT_LEASE_TTL_MS} from '../node/lease.js'
import {runSchedule} from '../chaos/schedule.js'
import type {DeadlockPolicy} from '../records/deadlocks.js'
import {DEFAULT_LIVENESS_MS, type RunCollected, type RunEnd, type RunEvent} from '../records/run.js'
import {ResourceTracker} from './resource-tracker.js'
import {isSaturated} from '../records/resources.js'

export interface RunOptions {
  readonly workload: Workload
  readonly seed: number
  /** Results root; the run's folder is created below it. */
  readonly outDir: string
  /** Use this Redis instead of starting a private redis-server. */
  readonly redisUrl?: string
  /** Do not spawn nodes: wait for `cmm node --run RUN --id K` to join. */
  readonly externalNodes?: boolean
  /** Ctrl-C and friends. */
  readonly signal?: AbortSignal
  /** No node made progress for this long: the run is stuck and is ended (liveness bound). */
  readonly livenessMs?: number
  /** `--warmup` (ms): the nodes time no op or access started this soon after the workload's start. */
  readonly warmupMs?: number
  readonly readyTimeoutMs?: number
  /** Put a fault proxy between every node and Redis (`cmm chaos partition/delay` on a live run). */
  readonly networkFaults?: boolean
  /** Run a deliberately broken protocol variant (`--break`): the checkers must catch it. */
  readonly breakVariant?: BreakVariant | null
  readonly onEvent?: (event: RunEvent) => void
  /** Node lease TTL (issue 4): a node silent this long is declared dead and purged. */
  readonly leaseTtlMs?: number
  /** Faults to inject on a schedule (the workload's `chaos:` or --chaos). */
  readonly chaos?: readonly ChaosStep[]
  /** What to do when the manager finds a deadlock (default `report`). */
  readonly onDeadlock?: DeadlockPolicy
  /** Polled while the run goes on: while true the nodes start no new op (the live view's `p`). */
  readonly paused?: () => boolean
  /** The private Redis: its shape, persistence and replica lag (issue 16); ignored with redisUrl. */
  readonly redisTopology?: Topology
  readonly redisDurability?: Durability
  readonly redisReplicaLagMs?: number
  /** `--redis-wait N`: every manager decision, lease renewal and inbox read waits for N replicas. */
  readonly redisWait?: number
  readonly redisWaitTimeoutMs?: number
}

/** How long a WAIT may block before the node gives its request up as of unknown outcome. */
export const DEFAULT_REDIS_WAIT_TIMEOUT_MS = 1000

export function newRunId(): string {
  const d = new Date()
  const p = (n: number, w = 2) => String(n).padStart(w, '0')
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}-${randomBytes(2).toString('hex')}`
}


export async function runWorkload(options: RunOptions): Promise<RunCollected> {
  const emit = options.onEvent ?? (() => {})
  const runId = newRunId()
  const dir = join(options.outDir, runId)
  const n = options.workload.cluster.nodes
  const settings = settingsOf(options.workload)
  let server: RedisDeployment | null = null
  let socketDir: string | null = null
  let redis: Redis | null = null
  let procs: NodeProcess[] = []
  let supervisor: Supervisor | null = null
  let heartbeat: Heartbeat | null = null
  let net: NetworkFaults | null = null
  const leaseTtlMs = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS
  const events = new EventLog(join(dir, 'events.jsonl'))
  // Deadlocks and stuck waits have their own run events; everything else logged is a fault step.
  events.onWrite = (line) => {
    if (line.type !== 'deadlock' && line.type !== 'stuck') emit({type: 'fault', line})
  }
  try {
    const topology = options.redisTopology ?? 'single'
    const durability = options.redisDurability ?? DEFAULT_DURABILITY
    // A private server whose nodes all run here also listens on a Unix socket, which costs each
    // command less CPU than loopback TCP; the socket's folder outlives a chaos restart of Redis.
    if (options.redisUrl === undefined && !options.externalNodes && topology === 'single') socketDir = mkdtempSync(join(tmpdir(), 'cmm-sock-'))
    const socketPath = socketDir === null ? undefined : join(socketDir, 'redis.sock')
    if (options.redisUrl === undefined) server = await startDeployment({topology, durability, dir, replicaLagMs: options.redisReplicaLagMs, socketPath})
    const url = options.redisUrl ?? server!.url
    const localUrl = server?.localUrl ?? url
    // What is shown and stored (stdout, run.json, live.json): the URL without its password.
    const shownUrl = redactRedisUrl(url)
    emit({type: 'redis', url: shownUrl, private: server !== null})
    redis = connectRedis(localUrl, 'cmm-orchestrator')
    await ensureReachable(redis, localUrl)
    const redisRecovery = recoveryOf(server, options)
    if (redisRecovery.reconnect) waitAcrossReconnects(redis)
    const startedAt = new Date().toISOString()
    const breakVariant = options.breakVariant ?? null
    await writeMeta(redis, encodeMeta({format: META_FORMAT, runId, workload: options.workload, settings, seed: options.seed, createdAt: startedAt, breakVariant, leaseTtlMs, onDeadlock: options.onDeadlock ?? 'report', redisRecovery, redisTopology: topology, redisPrivate: server !== null, ...(options.warmupMs ? {warmupUs: Math.round(options.warmupMs * 1000)} : {})}))
    heartbeat = await startHeartbeat(redis, runId, server === null)

    let driver: RunDriver | null = null
    if (needsFaultProxy(options)) net = await startNetworkFaults(redis, runId, n, url, options.externalNodes === true)
    supervisor = new Supervisor({redis, runId, redisUrl: localUrl, dir, nodes: n, leaseTtlMs, events, isDone: (k) => driver?.isDone(k) ?? false, deployment: server, net, ...(options.externalNodes ? {joined: (k: number) => driver?.procOf(k) ?? null} : {})})
    if (options.externalNodes) emit({type: 'waiting-for-nodes', runId, redisUrl: shownUrl, nodes: n, networkFaults: net !== null})
    else for (let k = 0; k < n; k++) supervisor.spawn(k)
    procs = supervisor.all()
    await registerLive(redis, dir, {runId, redisUrl: shownUrl, pid: process.pid, startedAt, nodes: supervisor.pids()})

    driver = new RunDriver(redis, shownUrl, runId, n, supervisor, dir, events, options, emit)
    const collected = await driver.drive()
    return {
      runId, dir, workload: options.workload, settings, seed: options.seed,
      redis: {url: shownUrl, private: server !== null, topology: server?.topology ?? null, durability: server?.durability ?? null, waitReplicas: redisRecovery.waitReplicas, replicaLagMs: server === null ? null : options.redisReplicaLagMs ?? 0}, startedAt, breakVariant, livenessMs: options.livenessMs ?? DEFAULT_LIVENESS_MS, warmupMs: options.warmupMs ?? 0, onDeadlock: options.onDeadlock ?? 'report', ...collected,
    }
  } finally {
    heartbeat?.stop()
    supervisor?.stop()
    if (supervisor) procs = supervisor.all()
    if (redis) await unregisterLive(redis, dir, runId).catch(() => {})
    killNodes(procs.filter((p) => p.child.exitCode === null))
    await reapNodes(procs, 2000)
    await net?.close()
    if (redis) {
      if (server === null) await cleanupRunKeys(redis, runId).catch(() => {})
      redis.disconnect()
    }
    await server?.stop()
    if (socketDir !== null) rmSync(socketDir, {recursive: true, force: true})
  }
}

/** What nodes do when their connection drops, from the Redis the run has (RunMeta `redisRecovery`). */
function recoveryOf(server: RedisDeployment | null, options: RunOptions): RedisRecovery {
  const waitReplicas = options.redisWait ?? 0
  // A replica or an AOF keeps the run's state; a given Redis (--redis) is trusted to if --redis-wait says it has replicas.
  const reconnect = server === null ? waitReplicas > 0 : server.topology === 'sentinel' || survivesRestart(server.durability)
  return {reconnect, waitReplicas, waitTimeoutMs: options.redisWaitTimeoutMs ?? DEFAULT_REDIS_WAIT_TIMEOUT_MS}
}

export const DEFAULT_READY_TIMEOUT_MS = 30_000
/** Shortest turn of the collect loop that read reports (a busy run's reports gather meanwhile). */
const COLLECT_TURN_MS = 20
/** Nodes started by hand on other hosts get longer to join. */
export const DEFAULT_EXTERNAL_READY_TIMEOUT_MS = EXTERNAL_JOIN_TIMEOUT_MS

/** What a run's driver hands back: the collected reports and what the run cost. */
type Driven = Collected & Pick<RunCollected, 'resources'>

/** The phases of one run after its processes exist, in order; each phase's waits are bounded. */
class RunDriver {
  private readonly reader: OutboxReader
  private readonly reports: ReportCollector
  private readonly resources: ResourceTracker
  private readonly store: RecordStore
  private startUs = 0
  private paused = false
  /** Set when the run was asked to end early: when `finish` was last sent (ms), so a restarted node hears it too. */
  private finishing: number | null = null

  constructor(
    private readonly redis: Redis,
    private readonly shownUrl: string,
    private readonly runId: string,
    private readonly n: number,
    private readonly sup: Supervisor,
    private readonly dir: string,
    private readonly events: EventLog,
    private readonly options: RunOptions,
    private readonly emit: (e: RunEvent) => void,
  ) {
    this.reader = new OutboxReader(redis, runId)
    this.resources = new ResourceTracker(n)
    this.store = new RecordStore(dir)
    this.reports = new ReportCollector(n, options.onDeadlock ?? 'report', {
      emit,
      log: (type, fields) => void events.write(type, fields),
      elapsedMs: () => (this.startUs === 0 ? 0 : (nowUs() - this.startUs) / 1000),
      untrusted: () => sup.redisRestarting,
      purged: (proc) => sup.purged.has(proc),
    }, this.store)
  }

  /** For the supervisor: a done node that exits is not a crash. */
  isDone(node: number): boolean {
    return this.reports.done.has(node)
  }

  /** For the supervisor: node k's latest process that reported (nodes joined with `cmm node`). */
  procOf(node: number): number | null {
    return this.reports.latestProc(node)
  }

  private get livenessMs(): number {
    return this.options.livenessMs ?? DEFAULT_LIVENESS_MS
  }

  /**
   * Redis going away mid-run (killed, unreachable) surfaces as a failed command in any phase:
   * the run then ends `failed` with what was collected so far and a message saying so.
   */
  async drive(): Promise<Driven> {
    let redisError = ''
    this.redis.on('error', (error: Error) => (redisError = error.message))
    try {
      return await this.phases()
    } catch (error) {
      if (await redisAnswers(this.redis)) throw error
      const elapsedMs = this.startUs === 0 ? 0 : (nowUs() - this.startUs) / 1000
      const message = this.redisGoneMessage(redisError || (error as Error).message, elapsedMs)
      this.reports.errors.unshift({node: -1, message})
      this.events.write('redis-lost', {reason: message})
      this.emit({type: 'node-error', node: -1, message})
      this.sup.stop()
      killNodes(this.sup.all())
      await reapNodes(this.sup.all(), 3000)
      this.reader.close()
      return this.finish('failed', elapsedMs, NO_FINAL_STATE)
    } finally {
      // A run that threw leaves its spool written and no file open (finish closed it otherwise).
      this.store.close()
    }
  }

  private async phases(): Promise<Driven> {
    if (!(await this.join())) return this.finish('interrupted', 0, NO_FINAL_STATE)
    await this.start()
    const end = await this.collect()
    const durationMs = (nowUs() - this.startUs) / 1000
    // A lost Redis is not asked (its commands would wait for reconnects); it is then just not measured.
    await this.resources.end(this.sup.redisLost ? null : this.redis)
    // A run ended early on request (`q`, a first Ctrl-C) finished its ops in flight: it is judged like a completed one.
    const final = end === 'completed' || (end === 'interrupted' && this.finishing !== null) ? await this.flush() : NO_FINAL_STATE
    await this.stop(end)
    return this.finish(end, durationMs, end === 'stuck' ? await this.stuckState(final) : final, await this.breakFired())
  }

  /** How often the run's --break variant deviated: the manager scripts and the nodes all count in Redis (`break-fired`). */
  private async breakFired(): Promise<number> {
    const variant = this.options.breakVariant
    if (!variant) return 0
    return Number((await this.redis.hget(keys.breakFired(this.runId), variant).catch(() => null)) ?? 0)
  }

  /** "Redis at URL went away (cause) 2.1 s into the run; node 0: 153 ops, at read a/1; ..." */
  private redisGoneMessage(cause: string, elapsedMs: number): string {
    const r = this.reports
    const when = this.startUs === 0 ? `before the run started (${r.ready.size} of ${this.n} nodes had joined)` : `${(elapsedMs / 1000).toFixed(1)} s into the run`
    const nodes = Array.from({length: this.n}, (_, node) => {
      const seen = r.lastSeen.get(node)
      const doing = seen?.op ? `, at ${seen.op}${seen.waits.length > 0 ? ` (${seen.waits.join('; ')})` : ''}` : ''
      return `node ${node}: ${r.perNode[node] ?? 0} ops${doing}`
    })
    return `Redis at ${this.shownUrl} went away (${hideSecrets(cause)}) ${when}; ${nodes.join('; ')}. The results below are what was collected until then.`
  }

  /** 1. Every node joins (bounded wait). False: interrupted while waiting. */
  private async join(): Promise<boolean> {
    const o = this.options
    const deadline = Date.now() + (o.readyTimeoutMs ?? (o.externalNodes ? DEFAULT_EXTERNAL_READY_TIMEOUT_MS : DEFAULT_READY_TIMEOUT_MS))
    while (this.reports.ready.size < this.n) {
      if (o.signal?.aborted === true) return false
      const dead = this.sup.crashed()?.process
      if (dead) throw new Error(`node ${dead.node} exited before it was ready (exit ${dead.child.exitCode}); see ${dead.logFile}`)
      if (Date.now() > deadline) {
        const missing = Array.from({length: this.n}, (_, k) => k).filter((k) => !this.reports.ready.has(k))
        throw new Error(`nodes ${missing.join(', ')} did not join run ${this.runId} in time`)
      }
      await this.read(200)
    }
    return true
  }

  /** 2. Start all nodes at one instant a little in the future, so their clocks line up. */
  private async start(): Promise<void> {
    this.startUs = nowUs() + 50_000
    this.events.setOrigin(this.startUs / 1000)
    this.sup.startReaper()
    await this.resources.start(this.redis)
    await setStatus(this.redis, this.runId, 'running')
    await this.broadcast({type: 'start', atUs: this.startUs})
    this.emit({type: 'started', runId: this.runId, nodes: [...this.reports.ready.values()].map(({node, pid, host}) => ({node, pid, host}))})
  }

  /** 3. Collect reports until every node is done, or the run is interrupted, stuck or broken. */
  private async collect(): Promise<RunEnd> {
    const o = this.options
    const schedule = o.chaos && o.chaos.length > 0 ? runSchedule(o.chaos, {redis: this.redis, runId: this.runId, nodes: this.n, granularity: o.workload.cluster.granularity, events: this.events}) : null
    const progress = {at: Date.now(), ops: 0, emittedAt: 0}
    try {
      while (this.reports.done.size + this.sup.gone().size < this.n) {
        const turn = Date.now()
        await this.sup.tick()
        const end = this.endReason() ?? (await this.followFinish()) ?? (await this.followPause(progress))
        if (end !== null) return end
        const got = await this.read(100)
        // Nodes post a report before every demote, so a busy run's reports arrive a few at a time:
        // a turn per arrival (sup.tick, an XREAD, ...) cost the orchestrator a turn for every
        // report or two. A short turn that read something waits out COLLECT_TURN_MS, so the next
        // read gathers what arrived meanwhile; nothing here needs to hear of it sooner.
        const rest = COLLECT_TURN_MS - (Date.now() - turn)
        if (got > 0 && got < READ_COUNT && rest > 0) await sleep(rest)
        if (this.reports.totalOps() !== progress.ops) Object.assign(progress, {ops: this.reports.totalOps(), at: Date.now()})
        if (Date.now() - progress.at > this.livenessMs) return this.stuck(Date.now() - progress.at)
        if (Date.now() - progress.emittedAt >= 200) {
          progress.emittedAt = Date.now()
          this.emitProgress()
        }
      }
      return this.finishing === null ? 'completed' : 'interrupted'
    } finally {
      // What arrived since the last tick (the nodes' done reports: their last ops and latencies),
      // so the live view and timeline.jsonl end at the run's ops, not at the last tick's.
      this.emitProgress()
      schedule?.stop()
      // Network faults end with the run: held bytes go through, so every node can flush and stop.
      await this.sup.net.healAll()
      this.sup.stop()
    }
  }

  private emitProgress(): void {
    const cpuBusy = this.resources.recentBusy()
    this.emit({...this.reports.progress((k) => this.sup.liveState(k), (k) => this.sup.purgedNow(k)), cpuBusy, saturated: isSaturated(cpuBusy)})
  }

  /** Why the run must end now, if it must (checked before each read). */
  private endReason(): RunEnd | null {
    const sup = this.sup
    if (sup.redisLost) return this.failed(-1, sup.redisLost)
    if (sup.reaperError) return this.failed(-1, `reaper: ${sup.reaperError.message}`)
    if (this.reports.deadlockToAbort !== null) return 'deadlocked'
    const dead = sup.crashed()?.process
    if (dead) return this.failed(dead.node, `process ${howItEnded(dead.child)} before finishing; see ${dead.logFile}`)
    return null
  }

  /**
   * The run was asked to end early (the signal): every node starts no new op and says `done`
   * once its op in flight completed; the run then flushes and is judged like a completed one.
   * Sent again every second to the nodes not done yet (a node restarted by chaos missed it).
   */
  private async followFinish(): Promise<null> {
    if (this.options.signal?.aborted !== true) return null
    if (this.finishing !== null && Date.now() - this.finishing < 1000) return null
    this.finishing = Date.now()
    for (let k = 0; k < this.n; k++) if (!this.reports.done.has(k)) await this.control(k, {type: 'finish'})
    return null
  }

  /** Passes the live view's pause key on to the nodes; a paused run is not stuck. */
  private async followPause(progress: {at: number}): Promise<null> {
    if ((this.options.paused?.() ?? false) !== this.paused) {
      this.paused = !this.paused
      for (let k = 0; k < this.n; k++) if (!this.reports.done.has(k)) await this.control(k, {type: this.paused ? 'pause' : 'resume'})
      this.emit({type: 'paused', elapsedMs: (nowUs() - this.startUs) / 1000, paused: this.paused})
    }
    if (this.paused) progress.at = Date.now()
    return null
  }

  private failed(node: number, message: string): RunEnd {
    this.reports.errors.push({node, message})
    return 'failed'
  }

  /** No node made progress within the liveness bound: a cycle the manager did not detect (or a policy that does not break it) ends here, explained. */
  private stuck(idleMs: number): RunEnd {
    this.emit({type: 'stuck', idleMs, nodes: this.reports.noteStuck(idleMs)})
    return 'stuck'
  }

  /**
   * 4. A completed run writes back every dirty page, then the shared disk is read: the final
   * state the "nothing written back is lost" check compares with the history (bounded wait).
   */
  private async flush(): Promise<FinalState> {
    await this.broadcast({type: 'flush'})
    const until = Date.now() + this.livenessMs
    // A node killed for good (chaos) flushes nothing: its unflushed writes are `info` anyway.
    const down = this.sup.down()
    const settled = () => new Set([...this.reports.flushed, ...down]).size
    while (settled() < this.n && Date.now() < until) await this.read(100)
    if (settled() < this.n) return NO_FINAL_STATE
    return {...NO_FINAL_STATE, flushed: true, disk: await readFinalDisk(this.redis, this.runId, this.options.workload)}
  }

  /** 5. Stop everyone (nodes kept serving callbacks until now), then drain their last reports. */
  private async stop(end: RunEnd): Promise<void> {
    await this.broadcast({type: 'stop', reason: end})
    await setStatus(this.redis, this.runId, end)
    const r = this.reports
    const joined = r.ready.size
    const drainUntil = Date.now() + 3000
    while ((r.done.size + this.sup.gone().size < joined || r.stopped.size + this.sup.gone().size < joined) && Date.now() < drainUntil) await this.read(100)
    await reapNodes(this.sup.all(), 3000)
    await this.read(10)
    this.reader.close()
  }

  /** A stuck run's final state: what each node and the manager were waiting for. */
  private async stuckState(final: FinalState): Promise<FinalState> {
    const waits = this.reports.stuckWaits()
    return {...final, waits, manager: await readManagerUnits(this.redis, this.runId, waits).catch(() => ({}))}
  }

  private finish(end: RunEnd, durationMs: number, final: FinalState, breakFired = 0): Driven {
    const sup = this.sup
    const recoveriesMs = sup.recoveries.flatMap((r) => (r.sinceKillMs === null ? [] : [r.sinceKillMs]))
    const facts = {end, durationMs, startUs: this.startUs, nowUs: nowUs(), deadProcs: sup.deadProcs, deathMs: sup.deathMs, recoveriesMs, final, breakFired, byKind: faultTable(this.events.records, sup.recoveries)}
    // The records go from the spool to the run's files here, a row at a time.
    this.reports.releaseHeldBatches()
    const stored = this.store.finish({endNs: durationMs * 1e6, deathNs: deathsNs(facts)})
    const collected = this.reports.collect(facts, () => this.events.records, stored.cut)
    const history = historyRows(stored.historyFile)
    return {...collected, redisFaults: sup.redisFaults.map((f) => redisFaultAccount(f, this.startUs, history)), resources: this.resources.summarize(collected.totals.ops)}
  }

  /** Reads and takes in the reports waiting (up to `blockMs` for one); returns how many. */
  private async read(blockMs: number): Promise<number> {
    const reports = await this.reader.read(blockMs)
    for (const r of reports) {
      this.resources.note(r)
      this.reports.handle(r)
    }
    return reports.length
  }

  private async broadcast(msg: ControlMessage): Promise<void> {
    for (let k = 0; k < this.n; k++) await this.control(k, msg)
  }

  private control(node: number, msg: ControlMessage): Promise<void> {
    return sendControl(this.redis, this.runId, node, msg)
  }
}

/** On a shared Redis, a finished run removes its keys (results live on disk). */
async function cleanupRunKeys(redis: Redis, runId: string): Promise<void> {
  for await (const batch of scanRunKeys(redis, runId)) await redis.unlink(...batch)
}

/** Whether Redis still answers (a PING within 2 s): tells an outage from a bug. */
async function redisAnswers(redis: Redis): Promise<boolean> {
  const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000).unref())
  return Promise.race([redis.ping().then(() => true, () => false), timeout])
}

