// One node process: joins a run through Redis, plays its part of the workload, and keeps its
// lock daemon answering callbacks until the orchestrator says stop (other nodes may still need
// the locks it caches after its own ops are done).
import {hostname} from 'node:os'
import {keys} from '../redis/keys.js'
import {RedisLockManager} from '../redis/lock-manager.js'
import {createOpStream} from '../workload/stream.js'
import type {OpStream} from '../workload/types.js'
import {LatencyRecorder} from '../metrics/recorder.js'
import {readMeta} from '../redis/run-meta.js'
import {encodeMessage, type ControlMessage, type NodeReport} from '../records/messages.js'
import {emptyCounters} from '../records/counters.js'
import {liveSummary} from '../records/live.js'
import {processId, type HistoryEntry, type LockEntry, type TraceEntry} from '../records/history.js'
import {connectRedis, ensureReachable} from '../util/redis-client.js'
import {nowUs} from '../util/clock.js'
import {ownUsage} from '../metrics/resources.js'
import {handoffTraceFromEnv, type HandoffStep} from './handoff-trace.js'
import {NodeRuntime} from './runtime.js'
import {runWorker} from './worker.js'
import {readInbox} from './inbox.js'
import {DEFAULT_LEASE_TTL_MS, Lease, LeaseLostError} from './lease.js'
import {createRng, deriveSeed} from '../workload/random.js'
import {describeOp, describeWaits} from '../records/deadlocks.js'

export interface NodeOptions {
  readonly redisUrl: string
  readonly runId: string
  readonly node: number
  /** How often history batches and progress go to the orchestrator. */
  readonly reportEveryMs?: number
  /**
   * 0 for the first start of this node, +1 for each restart. The incarnation's process id
   * `node + incarnation * nodes` names it at the manager, in the history and in its inbox
   * stream, so nothing of a dead incarnation (holds, grants, stamps) is mistaken for its own.
   */
  readonly incarnation?: number
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
 * Progress (ops, interval latencies, the live view's lock summary) and the periodic record flush.
 * The live view redraws at most twice a second and the liveness bound is seconds: a report a
 * second is enough, and each one costs the node and the orchestrator CPU the workload competes for.
 */
const REPORT_EVERY_MS = 1000

export async function runNode(options: NodeOptions): Promise<void> {
  const {runId, node} = options
  const redis = connectRedis(options.redisUrl, `cmm-node-${node}`, {batchWrites: true})
  const reader = connectRedis(options.redisUrl, `cmm-node-${node}-inbox`)
  let closing = false
  try {
    await ensureReachable(redis, options.redisUrl)
    const meta = await readMeta(redis, runId)
    if (!Number.isInteger(node) || node < 0 || node >= meta.workload.cluster.nodes) {
      throw new Error(`node ${node} is not part of run ${runId} (nodes 0..${meta.workload.cluster.nodes - 1})`)
    }
    const incarnation = options.incarnation ?? 0
    const proc = processId(node, incarnation, meta.workload.cluster.nodes)
    const handoffs = handoffTraceFromEnv(proc)
    let leaseLost: LeaseLostError | null = null
    const lease = new Lease(redis, runId, proc, meta.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS, (error) => {
      leaseLost = error
      runtime.fail(error)
      stopReason ??= error.message
      stopped?.()
    })
    const counters = emptyCounters()
    const recorder = new LatencyRecorder()
    const history: HistoryEntry[] = []
    const trace: TraceEntry[] = []
    const locks: LockEntry[] = []
    let startUs = 0
    const breakVariant = meta.breakVariant ?? null
    let current: string | null = null
    const policy = meta.onDeadlock ?? 'report'
    const runtime: NodeRuntime = new NodeRuntime({
      node: proc, settings: meta.settings, manager: new RedisLockManager(redis, runId, {breakVariant}), counters, clock: nowUs, breakVariant,
      onTrace: (t) => trace.push({...t, time: (t.time - startUs) * 1000}),
      onLock: (l) => locks.push({...l, time: (l.time - startUs) * 1000}),
      lease,
      // The records must reach Redis before what they describe does: a node killed right after a
      // write-back or a release must not leave a value on disk, or a lock released, unrecorded.
      beforeWriteback: () => void flushNow(),
      onFenced: (request, rejected) => {
        const generation = request.type === 'demote' || request.type === 'writeback' ? request.generation : null
        void post({type: 'event', node, event: {type: 'writeback-refused', proc, unit: request.unit, request: request.type, pages: rejected, generation}})
      },
      ...(handoffs ? {onStep: (step: HandoffStep, unit: string, atUs: number) => handoffs.record(step, unit, atUs)} : {}),
      onDeadlock: (d) => {
        // Under `report` the youngest waiter gives up its wait; `abort` leaves it to the
        // orchestrator (it stops the run); `ignore` leaves the cycle to the liveness bound.
        // Cycles name processes (this incarnation is `proc`).
        const broken = d.victim === proc && policy === 'report'
        void post({type: 'deadlock', node, id: d.id, victim: d.victim, cycle: d.cycle, op: current, broken})
        if (broken) queueMicrotask(() => runtime.abandon(d.unit))
      },
    })
    const stream = resumeOnRunClock(createOpStream(meta.workload, node, meta.seed), incarnation)
    const post = (report: NodeReport) => redis.xadd(keys.outbox(runId), '*', ...encodeMessage(node, report))
    // Issues every XADD synchronously (no await in between): commands on one connection run in
    // order, so whatever is sent after this call reaches Redis after the history.
    function flushNow(): Promise<unknown> {
      const entries = history.splice(0, history.length)
      const traced = trace.splice(0, trace.length)
      const locked = locks.splice(0, locks.length)
      const posts: Promise<unknown>[] = []
      for (let i = 0; i < Math.max(entries.length, traced.length, locked.length); i += HISTORY_BATCH_MAX) {
        const batch = {entries: entries.slice(i, i + HISTORY_BATCH_MAX), trace: traced.slice(i, i + HISTORY_BATCH_MAX), locks: locked.slice(i, i + HISTORY_BATCH_MAX)}
        posts.push(post({type: 'history', node, ...batch}))
      }
      return Promise.all(posts)
    }

    let startAt: ((atUs: number) => void) | null = null
    const started = new Promise<number>((resolve) => (startAt = resolve))
    let stopReason: string | null = null
    let stopped: (() => void) | null = null
    const stopRequested = new Promise<void>((resolve) => (stopped = resolve))
    let paused = false
    const onControl = (msg: ControlMessage) => {
      if (msg.type === 'start') startAt?.(msg.atUs)
      else if (msg.type === 'pause' || msg.type === 'resume') paused = msg.type === 'pause'
      else if (msg.type === 'flush') {
        void flushAll(runtime).then(
          (pages) => post({type: 'flushed', node, pages}),
          (error: Error) => post({type: 'error', node, message: `flush: ${error.message}`}),
        )
      } else {
        // Taken before the pending ops fail: what each unit was waiting for when the run got stuck.
        if (msg.reason === 'stuck') {
          const busy = runtime.core.snapshot().filter((u) => u.inflight !== null || u.callback !== null || u.waiting.length > 0 || u.pins.length > 0)
          void post({type: 'waits', node, units: busy})
        }
        stopReason = msg.reason
        // An op blocked on a lock that will never come (stuck or interrupted run) ends now, as `info`.
        runtime.fail(new Error(`stopped: ${msg.reason}`))
        stopped?.()
      }
    }
    await lease.join(node)
    // A dropped connection may be a Redis restart that forgot everything: stop trusting state.
    for (const client of [redis, reader]) client.on('close', () => closing || lease.connectionLost(`process ${proc}: connection to Redis closed`))
    const inbox = readInbox(reader, runId, node, (m) => runtime.deliver(m), onControl, undefined, undefined, proc)
    inbox.catch((error: Error) => {
      runtime.fail(error)
      stopReason ??= `inbox: ${error.message}`
      stopped?.()
    })

    await post({type: 'ready', node, proc, pid: process.pid, host: hostname(), total: stream.total})
    startUs = await Promise.race([started, stopRequested.then(() => -1)])
    if (startUs < 0) return
    const delay = (startUs - nowUs()) / 1000
    if (delay > 0) await new Promise((r) => setTimeout(r, delay))

    const flush = () => flushNow()
    let lastOps = -1
    const reporter = setInterval(() => {
      void flush()
      // What it waits for only when no op completed since the last report (a stuck run's report).
      const idle = counters.ops === lastOps
      lastOps = counters.ops
      const units = runtime.core.snapshot()
      void post({type: 'progress', node, proc, ops: counters.ops, latency: recorder.takeIntervalCounts(), current, waits: idle ? describeWaits(units) : [], live: liveSummary(units, paused), usage: ownUsage()})
    }, options.reportEveryMs ?? REPORT_EVERY_MS)
    let worked: Error | null = null
    try {
      await runWorker({
        // History `process` and write stamps are per incarnation.
        node: proc, settings: meta.settings, runtime, stream, recorder, counters, clock: nowUs, startUs,
        onHistory: (e) => history.push(e),
        shouldStop: () => stopReason !== null,
        copyStrategy: meta.workload.cluster.copyStrategy,
        jitter: (() => {
          const rng = createRng(deriveSeed(meta.seed, node, 0xc0b1))
          return () => rng.nextFloat()
        })(),
        onOp: (op) => (current = op === null ? null : describeOp(op)),
        paused: () => paused,
      })
    } catch (error) {
      worked = error as Error
    } finally {
      clearInterval(reporter)
    }
    await flush()
    if (leaseLost) throw leaseLost
    if (worked && stopReason === null) await post({type: 'error', node, message: worked.message})
    await post({type: 'done', node, proc, ops: counters.ops, counters, histograms: recorder.snapshot(), stopped: stopReason !== null, usage: ownUsage()})
    // Keep serving callbacks: other nodes may need the locks this node caches.
    await stopRequested
    // What happened since `done` (callbacks served, the final flush) belongs to the trace too.
    await flush()
    handoffs?.write()
    await post({type: 'stopped', node, proc, usage: ownUsage()})
    if (leaseLost) throw leaseLost
    await lease.release().catch(() => {})
  } finally {
    closing = true
    reader.disconnect()
    await redis.quit().catch(() => redis.disconnect())
  }
}

/** Writes back every dirty page this node holds (an msync of every EX unit); returns the pages written. */
async function flushAll(runtime: NodeRuntime): Promise<number> {
  let pages = 0
  for (const u of runtime.core.snapshot()) if (u.mode === 'EX') pages += await runtime.sync(u.unit)
  return pages
}
