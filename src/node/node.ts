// One node process: joins a run through Redis, plays its part of the workload, and keeps its
// lock daemon answering callbacks until the orchestrator says stop (other nodes may still need
// the locks it caches after its own ops are done).
import {hostname} from 'node:os'
import {keys} from '../redis/keys.js'
import {RedisLockManager} from '../redis/lock-manager.js'
import {createOpStream} from '../workload/stream.js'
import type {Op, OpStream} from '../workload/types.js'
import {LatencyRecorder} from '../metrics/recorder.js'
import {readRunMeta} from './run-meta.js'
import {REDIS_FRAGILE, type RedisRecovery, type RunMeta} from '../records/run-meta.js'
import {readIsReplicated} from '../redis/replication.js'
import {InflightManager, watchConnections} from './recovery.js'
import type {Redis} from 'ioredis'
import {encodeMessage, type BodyReport, type ControlMessage} from '../records/messages.js'
import {emptyCounters} from '../records/counters.js'
import {liveSummary} from '../records/live.js'
import {processId} from '../records/history.js'
import {RecordBuffer} from './record-buffer.js'
import {connectRedis, countCommands, ensureReachable, waitAcrossReconnects} from '../util/redis-client.js'
import {nowUs} from '../util/clock.js'
import {NodeRuntime} from './runtime.js'
import {runWorker} from './worker.js'
import {readInbox} from './inbox.js'
import {DEFAULT_LEASE_TTL_MS, Lease, LeaseLostError} from './lease.js'
import {SkewedClock} from './skew-clock.js'
import {createRng, deriveSeed} from '../workload/random.js'
import {describeOp, describeWaits} from '../records/deadlocks.js'
import {ownUsage} from '../metrics/resources.js'
import {cpuMs, type ProcessUsage} from '../records/resources.js'
import {handoffTraceFromEnv, type HandoffStep, type HandoffTrace} from './handoff-trace.js'
import {noOrchestrator, orchestratorAlive, watchOrchestrator} from '../redis/heartbeat.js'

export interface NodeOptions {
  readonly redisUrl: string
  readonly runId: string
  readonly node: number
  /** How often progress goes to the orchestrator (history batches go at least every 250 ms). */
  readonly reportEveryMs?: number
  /**
   * 0 for the first start of this node, +1 for each restart. The incarnation's process id
   * `node + incarnation * nodes` names it at the manager, in the history and in its inbox
   * stream, so nothing of a dead incarnation (holds, grants, stamps) is mistaken for its own.
   */
  readonly incarnation?: number
  /**
   * Check the orchestrator's heartbeat before joining and while waiting for the start (default
   * true: `cmm node` by hand). A node the orchestrator spawned watches its parent's pipe instead.
   */
  readonly watchOrchestrator?: boolean
}

/**
 * A restarted incarnation replays its node's script (a restarted application), but on the run's
 * clock: a duration mix ends when the first incarnation's would have, and open-loop ops that fell
 * due while the node was dead are skipped rather than fired in one burst.
 */
function resumeOnRunClock(stream: OpStream, incarnation: number): OpStream {
  if (incarnation === 0) return stream
  let catchingUp = true
  return {
    ...stream,
    next(elapsedUs) {
      if (!catchingUp) return stream.next(elapsedUs)
      catchingUp = false
      let op = stream.next(0)
      for (let skipped = 0; op !== null && op.intendedUs !== null && op.intendedUs < elapsedUs && skipped < 10_000_000; skipped++) op = stream.next(elapsedUs)
      return op
    },
  }
}

const HISTORY_BATCH_MAX = 4096

/**
 * Progress (ops, interval latencies, the live view's lock summary). The live view redraws at most
 * twice a second and the liveness bound is seconds: a report a second is enough, and each one
 * costs the node and the orchestrator CPU the workload competes for.
 */
const REPORT_EVERY_MS = 1000
/**
 * The periodic record flush (history, trace, locks) stays more frequent: what a process killed
 * between flushes did never reaches the history, so its ops in flight could not become `info`.
 * A flush is one XADD per batch whatever its size, so this costs little.
 */
const RECORDS_EVERY_MS = 250

export async function runNode(options: NodeOptions): Promise<void> {
  const redis = connectRedis(options.redisUrl, `cmm-node-${options.node}`)
  const reader = connectRedis(options.redisUrl, `cmm-node-${options.node}-inbox`)
  let node: NodeProcessRun | null = null
  try {
    await ensureReachable(redis, options.redisUrl)
    const meta = await readRunMeta(redis, options.runId)
    // Joining a run nobody drives would wait for a start that never comes.
    if ((options.watchOrchestrator ?? true) && !(await orchestratorAlive(redis, options.runId))) throw noOrchestrator(options.runId)
    const recovery = meta.redisRecovery ?? REDIS_FRAGILE
    if (recovery.reconnect) {
      await ensureReachable(reader, options.redisUrl)
      for (const client of [redis, reader]) waitAcrossReconnects(client)
    }
    if (!Number.isInteger(options.node) || options.node < 0 || options.node >= meta.workload.cluster.nodes) {
      throw new Error(`node ${options.node} is not part of run ${options.runId} (nodes 0..${meta.workload.cluster.nodes - 1})`)
    }
    node = new NodeProcessRun(redis, options, meta)
    await node.join(reader)
    const startUs = await node.waitForStart()
    if (startUs === null) return
    await node.play(startUs)
    await node.serveUntilStopped()
  } finally {
    node?.close()
    reader.disconnect()
    await redis.quit().catch(() => redis.disconnect())
  }
}

/** One incarnation of a node in a run, phase by phase: join, wait for the start, play, serve until stopped. */
class NodeProcessRun {
  private readonly node: number
  private readonly proc: number
  private readonly counters = emptyCounters()
  private readonly recorder = new LatencyRecorder()
  private readonly records = new RecordBuffer(HISTORY_BATCH_MAX)
  private readonly lease: Lease
  private readonly recovery: RedisRecovery
  /** Manager requests awaiting their reply (recovery.ts: one caught by a reconnection is of unknown outcome). */
  private readonly manager: InflightManager
  private batches = 0
  private readonly runtime: NodeRuntime
  private readonly stream: OpStream
  /** CMM_HANDOFF_TRACE: timestamps of each handoff's critical path (bench only); null when unset. */
  private readonly handoffs: HandoffTrace | null
  private startUs = 0
  /** CPU ms used before the workload began (null until it begins): run.json `resources`' start-up. */
  private startupMs: number | null = null
  /** The op being played, for progress and deadlock reports. */
  private current: Op | null = null
  private paused = false
  /** Lease deadline, hold time and timers run on it; recorded times stay on nowUs (the true clock). */
  private readonly protocolClock = new SkewedClock(nowUs)
  private closing = false
  private leaseLost: LeaseLostError | null = null
  private stopReason: string | null = null
  /** The run is ending early (`finish`): no new op starts; the one in progress completes normally. */
  private finishing = false
  private readonly start = deferred<number>()
  private readonly stop = deferred<void>()

  constructor(private readonly redis: Redis, private readonly options: NodeOptions, private readonly meta: RunMeta) {
    this.node = options.node
    const incarnation = options.incarnation ?? 0
    this.proc = processId(this.node, incarnation, meta.workload.cluster.nodes)
    this.handoffs = handoffTraceFromEnv(this.proc)
    this.recovery = meta.redisRecovery ?? REDIS_FRAGILE
    const replicas = {count: this.recovery.waitReplicas, timeoutMs: this.recovery.waitTimeoutMs}
    this.lease = new Lease(redis, options.runId, this.proc, meta.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS, (error) => {
      this.leaseLost = error
      this.runtime.fail(error)
      this.requestStop(error.message)
      // A request's fate is unknown: give the lease up so the reaper purges this incarnation now.
      if (error.why === 'redis-uncertain') void this.lease.abandon().catch(() => {})
    }, replicas, () => this.protocolClock.nowMs())
    this.manager = new InflightManager(
      new RedisLockManager(redis, options.runId, {breakVariant: meta.breakVariant ?? null, waitReplicas: replicas.count, waitTimeoutMs: replicas.timeoutMs}),
      (error) => this.lease.connectionLost(`process ${this.proc}: a manager request failed (${error.message}); its outcome is unknown`, 'redis-uncertain'),
    )
    this.runtime = this.newRuntime()
    this.stream = resumeOnRunClock(createOpStream(meta.workload, this.node, meta.seed), incarnation)
  }

  private newRuntime(): NodeRuntime {
    const {node, proc, meta, handoffs} = this
    const breakVariant = meta.breakVariant ?? null
    const policy = meta.onDeadlock ?? 'report'
    return new NodeRuntime({
      node: proc, settings: meta.settings, manager: this.manager, counters: this.counters, clock: nowUs, breakVariant,
      onBreakFired: (n) => void this.redis.hincrby(keys.breakFired(this.options.runId), breakVariant ?? '', n).catch(() => {}),
      protocolClock: () => this.protocolClock.nowUs(),
      recordClock: () => (nowUs() - this.startUs) * 1000,
      onTrace: (t) => this.records.add('trace', t),
      onLock: (l) => this.records.add('locks', l),
      onRequest: (r) => this.records.add('requests', r),
      lease: this.lease,
      // The records must reach Redis before what they describe does: every demote and write-back carries them.
      takeRecords: () => this.takeRecords(),
      onFenced: (request, rejected) => {
        const generation = request.type === 'demote' || request.type === 'writeback' ? request.generation : null
        void this.post({type: 'event', node, event: {type: 'writeback-refused', proc, unit: request.unit, request: request.type, pages: rejected, generation}})
      },
      ...(handoffs ? {onStep: (step: HandoffStep, unit: string, atUs: number) => handoffs.record(step, unit, atUs)} : {}),
      onDeadlock: (d) => {
        // Under `report` the youngest waiter gives up its wait; `abort` leaves it to the
        // orchestrator (it stops the run); `ignore` leaves the cycle to the liveness bound.
        // Cycles name processes (this incarnation is `proc`).
        const broken = d.victim === proc && policy === 'report'
        void this.post({type: 'deadlock', node, id: d.id, victim: d.victim, cycle: d.cycle, op: this.describeCurrent(), broken})
        if (broken) queueMicrotask(() => this.runtime.abandon(d.unit))
      },
    })
  }

  /** 1. Takes the lease, starts reading the inbox (manager messages and control), says ready. */
  async join(reader: Redis): Promise<void> {
    for (const client of [this.redis, reader]) countCommands(client, () => this.counters.redisCommands++)
    await this.lease.join(this.node)
    const {recovery, proc} = this
    watchConnections({clients: [this.redis, reader], manager: {client: this.redis, requests: this.manager}, recovery, lease: this.lease, proc, closing: () => this.closing})
    const confirmRead = (closesBefore: number) => readIsReplicated(reader, this.options.runId, recovery.waitReplicas, recovery.waitTimeoutMs, closesBefore)
    const inbox = readInbox(reader, this.options.runId, this.node, (m) => this.runtime.deliver(m), (m) => this.onControl(m), undefined, undefined, proc, confirmRead)
    inbox.catch((error: Error) => {
      // Redis back but a read not confirmed (replicas): the messages' fate is unknown, as for a request.
      if (recovery.reconnect) this.lease.connectionLost(`process ${proc}: inbox: ${error.message}`, 'redis-uncertain')
      this.runtime.fail(error)
      this.requestStop(`inbox: ${error.message}`)
    })
    await this.post({type: 'ready', node: this.node, proc: this.proc, pid: process.pid, host: hostname(), total: this.stream.total})
  }

  /** 2. The run's start time (µs), once it has come; null when the run stopped before starting. */
  async waitForStart(): Promise<number | null> {
    // A node joined by hand gives up when the run's orchestrator goes away (its heartbeat lapses).
    const orchestrator = (this.options.watchOrchestrator ?? true) ? watchOrchestrator(this.redis, this.options.runId) : null
    let startUs: number | null
    try {
      startUs = await Promise.race([this.start.promise, this.stop.promise.then(() => null), ...(orchestrator ? [orchestrator.gone] : [])])
    } finally {
      orchestrator?.stop()
    }
    if (startUs === null) return null
    this.startUs = startUs
    const delay = (startUs - nowUs()) / 1000
    if (delay > 0) await new Promise((r) => setTimeout(r, delay))
    return startUs
  }

  /** 3. Plays the workload, reporting progress; then reports done (or the error that ended it). */
  async play(startUs: number): Promise<void> {
    this.startupMs = cpuMs(ownUsage())
    const reportEveryMs = this.options.reportEveryMs ?? REPORT_EVERY_MS
    const reporter = setInterval(() => void this.reportProgress(), reportEveryMs)
    const flusher = reportEveryMs > RECORDS_EVERY_MS ? setInterval(() => void this.flushRecords(), RECORDS_EVERY_MS) : null
    let worked: Error | null = null
    try {
      const rng = createRng(deriveSeed(this.meta.seed, this.node, 0xc0b1))
      await runWorker({
        // History `process` and write stamps are per incarnation.
        node: this.proc, settings: this.meta.settings, runtime: this.runtime, stream: this.stream, recorder: this.recorder, counters: this.counters, clock: nowUs, startUs,
        onHistory: (e) => this.records.add('entries', e),
        shouldStop: () => this.stopReason !== null || this.finishing,
        copyStrategy: this.meta.workload.cluster.copyStrategy,
        ...(this.meta.warmupUs ? {timedFromUs: startUs + this.meta.warmupUs} : {}),
        jitter: () => rng.nextFloat(),
        onOp: (op) => (this.current = op),
        paused: () => this.paused,
      })
    } catch (error) {
      worked = error as Error
    } finally {
      clearInterval(reporter)
      if (flusher !== null) clearInterval(flusher)
    }
    await this.flushRecords()
    if (this.leaseLost) {
      // No `done` from an incarnation that lost its lease: like a killed one it is counted from its
      // last progress report, so send one now (Redis may be back: a lost one only fails this post),
      // or the ops since the previous report vanish from the counts while their history stays.
      await this.reportProgress().catch(() => {})
      throw this.leaseLost
    }
    if (worked && this.stopReason === null) await this.post({type: 'error', node: this.node, message: worked.message})
    const {counters, recorder} = this
    await this.post({type: 'done', node: this.node, proc: this.proc, ops: counters.ops, counters, histograms: recorder.snapshot(), stopped: this.stopReason !== null, usage: this.usage()})
  }

  /** 4. Keeps serving callbacks (other nodes may need the locks this node caches) until told to stop. */
  async serveUntilStopped(): Promise<void> {
    await this.stop.promise
    // What happened since `done` (callbacks served, the final flush) belongs to the trace too.
    await this.flushRecords()
    this.handoffs?.write()
    // Its counters again: callbacks it served for others after its own ops, and the end-of-run
    // write-back, are in requests.jsonl and belong to the run's cost as well.
    await this.post({type: 'stopped', node: this.node, proc: this.proc, usage: this.usage(), counters: this.counters})
    if (this.leaseLost) throw this.leaseLost
    await this.lease.release().catch(() => {})
  }

  close(): void {
    this.closing = true
  }

  private lastReportedOps = -1

  private usage(): ProcessUsage {
    return this.startupMs === null ? ownUsage() : {...ownUsage(), startupMs: this.startupMs}
  }

  private reportProgress(): Promise<unknown> {
    const flushed = this.flushRecords()
    // What it waits for only when no op completed since the last report (a stuck run's report).
    const idle = this.counters.ops === this.lastReportedOps
    this.lastReportedOps = this.counters.ops
    const units = this.runtime.core.snapshot()
    // Counters and buckets from the same instant (encodeMessage serializes now): a killed
    // incarnation is counted from its last report, and its fault counts still equal its histograms'.
    const interval = this.recorder.takeInterval()
    const uncorrected = Object.keys(interval.uncorrected).length > 0 ? {uncorrected: interval.uncorrected} : {}
    return Promise.all([flushed, this.post({type: 'progress', node: this.node, proc: this.proc, ops: this.counters.ops, latency: interval.corrected, ...uncorrected, counters: this.counters, current: this.describeCurrent(), waits: idle ? describeWaits(units) : [], live: liveSummary(units, this.paused), usage: this.usage()})])
  }

  private onControl(msg: ControlMessage): void {
    switch (msg.type) {
      case 'start':
        return this.start.resolve(msg.atUs)
      case 'pause':
      case 'resume':
        this.paused = msg.type === 'pause'
        return
      case 'skew':
        this.protocolClock.set({offsetUs: msg.offsetUs, rate: msg.rate})
        return
      case 'finish':
        this.finishing = true
        return
      case 'flush':
        void flushAll(this.runtime).then(
          (pages) => this.post({type: 'flushed', node: this.node, pages}),
          (error: Error) => this.post({type: 'error', node: this.node, message: `flush: ${error.message}`}),
        )
        return
      case 'stop':
        // Taken before the pending ops fail: what each unit was waiting for when the run got stuck.
        if (msg.reason === 'stuck') {
          const busy = this.runtime.core.snapshot().filter((u) => u.inflight !== null || u.callback !== null || u.waiting.length > 0 || u.pins.length > 0)
          void this.post({type: 'waits', node: this.node, units: busy})
        }
        this.stopReason = msg.reason
        // An op blocked on a lock that will never come (stuck or interrupted run) ends now, as `info`.
        this.runtime.fail(new Error(`stopped: ${msg.reason}`))
        this.stop.resolve()
    }
  }

  /** Described only when reported (a progress or deadlock report), not once per op. */
  private describeCurrent(): string | null {
    return this.current === null ? null : describeOp(this.current)
  }

  private requestStop(reason: string): void {
    this.stopReason ??= reason
    this.stop.resolve()
  }

  private post(report: BodyReport): Promise<unknown> {
    return this.postFields(encodeMessage(this.node, report))
  }

  private postFields(fields: readonly string[]): Promise<unknown> {
    return this.redis.xadd(keys.outbox(this.options.runId), '*', ...fields)
  }

  // Issues every XADD synchronously (no await in between): commands on one connection run in
  // order, so whatever is sent after this call reaches Redis after the records.
  private flushRecords(): Promise<unknown> {
    return Promise.all(this.takeRecords().map((fields) => this.postFields(fields)))
  }

  /** The records not posted yet, as numbered `history` batches (a batch re-sent after a reconnection is dropped by number). */
  private takeRecords(): string[][] {
    const batches = this.records.drain(this.node, this.proc, this.batches + 1)
    this.batches += batches.length
    return batches
  }
}

/** A promise with its resolve, for events that arrive by callback (start, stop). */
function deferred<T>(): {promise: Promise<T>; resolve: (value: T) => void} {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => (resolve = r))
  return {promise, resolve}
}

/** Writes back every dirty page this node holds (an msync of every EX unit); returns the pages written. */
async function flushAll(runtime: NodeRuntime): Promise<number> {
  let pages = 0
  for (const u of runtime.core.snapshot()) if (u.mode === 'EX') pages += await runtime.sync(u.unit)
  return pages
}
