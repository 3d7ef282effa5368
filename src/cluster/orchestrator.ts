// Runs one workload end to end: Redis (private or given), node processes (spawned here or
// joined by hand with --external-nodes), start, collect, stop, results. Every wait is bounded.
import {randomBytes} from 'node:crypto'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {Redis} from 'ioredis'
import {keys} from '../redis/keys.js'
import {restartRedisServer, startRedisServer, type RedisServer} from '../redis/server.js'
import {connectRedis, ensureReachable} from '../util/redis-client.js'
import {nowUs} from '../util/clock.js'
import type {ProtocolSettings} from '../protocol/types.js'
import type {ChaosStep, Workload} from '../workload/types.js'
import type {EncodedHistograms} from '../records/histogram-keys.js'
import {META_FORMAT} from '../records/run-meta.js'
import {setStatus, writeMeta} from '../redis/run-meta.js'
import {encodeMessage, type ControlMessage, type NodeReport} from '../records/messages.js'
import {addCounters, emptyCounters} from '../records/counters.js'
import type {HistoryEntry, LockEntry, TraceEntry} from '../records/history.js'
import type {BreakVariant} from '../protocol/break.js'
import {NO_FINAL_STATE, type FinalState} from '../records/final-state.js'
import {readFinalDisk, readManagerUnits} from './final-state.js'
import {OutboxReader} from './outbox.js'
import {killNodes, reapNodes, type NodeProcess} from '../process/spawn.js'
import {Supervisor} from '../chaos/supervisor.js'
import {registerLive, unregisterLive} from '../chaos/live.js'
import {EventLog} from '../results/events.js'
import {DEFAULT_LEASE_TTL_MS} from '../node/lease.js'
import {cutAtGaps, endDeadHolds, endDeadMappings, markDeadProcesses} from '../chaos/history.js'
import {runSchedule} from '../chaos/schedule.js'
import type {NodeLiveSummary} from '../records/live.js'
import {DeadlockLog, type DeadlockPolicy, type StuckNode} from '../records/deadlocks.js'
import {DEFAULT_LIVENESS_MS, type FaultSummary, type NodeLive, type RunCollected, type RunEnd, type RunEvent} from '../records/run.js'
import {ResourceTracker} from './resource-tracker.js'
import {IntervalLatency} from '../metrics/interval.js'
import {encodeCounts} from '../metrics/histogram.js'
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
  readonly readyTimeoutMs?: number
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
}

export function newRunId(): string {
  const d = new Date()
  const p = (n: number, w = 2) => String(n).padStart(w, '0')
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}-${randomBytes(2).toString('hex')}`
}

export function settingsOf(w: Workload): ProtocolSettings {
  const c = w.cluster
  return {granularity: c.granularity, states: c.states, downgrade: c.downgrade, holdTimeUs: c.holdTimeUs, pageSize: c.pageSize}
}

export async function runWorkload(options: RunOptions): Promise<RunCollected> {
  const emit = options.onEvent ?? (() => {})
  const runId = newRunId()
  const dir = join(options.outDir, runId)
  const n = options.workload.cluster.nodes
  const settings = settingsOf(options.workload)
  let server: RedisServer | null = null
  let socketDir: string | null = null
  let redis: Redis | null = null
  let procs: NodeProcess[] = []
  let supervisor: Supervisor | null = null
  const leaseTtlMs = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS
  const events = new EventLog(join(dir, 'events.jsonl'))
  // Deadlocks and stuck waits have their own run events; everything else logged is a fault step.
  events.onWrite = (line) => {
    if (line.type !== 'deadlock' && line.type !== 'stuck') emit({type: 'fault', line})
  }
  try {
    // A private server whose nodes all run here also listens on a Unix socket, which costs each
    // command less CPU than loopback TCP; the socket's folder outlives a chaos restart of Redis.
    if (options.redisUrl === undefined && !options.externalNodes) socketDir = mkdtempSync(join(tmpdir(), 'cmm-sock-'))
    if (options.redisUrl === undefined) server = await startRedisServer(socketDir === null ? {} : {socketPath: join(socketDir, 'redis.sock')})
    const url = options.redisUrl ?? server!.url
    const localUrl = server?.socket ?? url
    emit({type: 'redis', url, private: server !== null})
    redis = connectRedis(localUrl, 'cmm-orchestrator')
    await ensureReachable(redis, localUrl)
    const startedAt = new Date().toISOString()
    const breakVariant = options.breakVariant ?? null
    await writeMeta(redis, {format: META_FORMAT, runId, workload: options.workload, settings, seed: options.seed, createdAt: startedAt, breakVariant, leaseTtlMs, onDeadlock: options.onDeadlock ?? 'report'})

    const doneNodes = new Set<number>()
    const restartRedis = server === null ? null : async () => {
      server = await restartRedisServer(server!)
    }
    supervisor = new Supervisor({redis, runId, redisUrl: localUrl, dir, nodes: n, leaseTtlMs, events, isDone: (k) => doneNodes.has(k), restartRedis})
    if (options.externalNodes) emit({type: 'waiting-for-nodes', runId, redisUrl: url, nodes: n})
    else for (let k = 0; k < n; k++) supervisor.spawn(k)
    procs = supervisor.all()
    await registerLive(redis, dir, {runId, redisUrl: url, pid: process.pid, startedAt, nodes: supervisor.pids()})

    const collected = await drive(redis, runId, n, supervisor, doneNodes, events, options, emit)
    return {
      runId, dir, workload: options.workload, settings, seed: options.seed,
      redis: {url, private: server !== null}, startedAt, breakVariant, livenessMs: options.livenessMs ?? DEFAULT_LIVENESS_MS, onDeadlock: options.onDeadlock ?? 'report', ...collected,
    }
  } finally {
    supervisor?.stop()
    if (supervisor) procs = supervisor.all()
    if (redis) await unregisterLive(redis, dir, runId).catch(() => {})
    killNodes(procs.filter((p) => p.child.exitCode === null))
    await reapNodes(procs, 2000)
    if (redis) {
      if (server === null) await cleanupRunKeys(redis, runId).catch(() => {})
      redis.disconnect()
    }
    await server?.stop()
    if (socketDir !== null) rmSync(socketDir, {recursive: true, force: true})
  }
}

type Driven = Pick<RunCollected, 'durationMs' | 'end' | 'errors' | 'nodes' | 'totals' | 'history' | 'trace' | 'locks' | 'final' | 'faults' | 'deadlocks' | 'events' | 'resources'>

async function drive(redis: Redis, runId: string, n: number, sup: Supervisor, doneNodes: Set<number>, events: EventLog, options: RunOptions, emit: (e: RunEvent) => void): Promise<Driven> {
  const reader = new OutboxReader(redis, runId)
  const ready = new Map<number, {node: number; pid: number; host: string; total: number | null}>()
  const done = new Map<number, Extract<NodeReport, {type: 'done'}>>()
  const errors: {node: number; message: string}[] = []
  const perNode = new Array<number>(n).fill(0)
  // Each incarnation counts its own ops from 0: a node's ops are the sum over its processes.
  const opsByProc = new Map<number, number>()
  const noteOps = (node: number, proc: number | undefined, ops: number) => {
    opsByProc.set(proc ?? node, ops)
    let sum = 0
    for (const [p, o] of opsByProc) if (p % n === node) sum += o
    perNode[node] = sum
  }
  const history: HistoryEntry[][] = Array.from({length: n}, () => [])
  const trace: TraceEntry[] = []
  const locks: LockEntry[] = []
  const flushed = new Set<number>()
  const stopped = new Set<number>()
  const waits: {node: number; units: FinalState['waits'][number]['units']}[] = []
  let final: FinalState = NO_FINAL_STATE
  const interval = new IntervalLatency()
  const live = new Array<NodeLiveSummary | null>(n).fill(null)
  let startUs = 0
  const aborted = () => options.signal?.aborted === true
  const crashed = () => sup.crashed()?.process
  let fencedWritebacks = 0
  const policy = options.onDeadlock ?? 'report'
  const deadlocks = new DeadlockLog()
  const stuckEvents: {timeMs: number; idleMs: number; nodes: StuckNode[]}[] = []
  const lastSeen = new Map<number, StuckNode>()
  let deadlockToAbort: number | null = null
  const resources = new ResourceTracker(n)

  const handle = (r: NodeReport) => {
    switch (r.type) {
      case 'ready':
        ready.set(r.node, r)
        resources.ready(r.proc ?? r.node, r.pid)
        return
      case 'progress':
        noteOps(r.node, r.proc, r.ops)
        resources.usage(r.node, r.proc, r.usage, false)
        interval.add(r.latency)
        if (r.current !== undefined) lastSeen.set(r.node, {node: r.node, op: r.current, waits: r.waits ?? []})
        if (r.live) live[r.node] = r.live
        return
      case 'deadlock': {
        if (!deadlocks.add(r, startUs === 0 ? 0 : (nowUs() - startUs) / 1000)) return
        const record = deadlocks.records().find((d) => d.id === r.id)
        if (record) emit({type: 'deadlock', id: r.id, text: record.text, victim: r.victim, policy})
        if (policy === 'abort') deadlockToAbort ??= r.id
        return
      }
      case 'history':
        // Posted to a Redis that restarted: batches before it may be lost, so these could show
        // reads of writes whose history vanished. The history ends at the restart.
        if (sup.redisRestarting) return
        for (const e of r.entries) history[r.node]?.push(e)
        for (const t of r.trace) trace.push(t)
        for (const l of r.locks ?? []) locks.push(l)
        return
      case 'flushed':
        flushed.add(r.node)
        return
      case 'waits':
        waits.push({node: r.node, units: r.units})
        return
      case 'stopped':
        stopped.add(r.node)
        resources.usage(r.node, r.proc, r.usage, true)
        return
      case 'done':
        noteOps(r.node, r.proc, r.ops)
        resources.usage(r.node, r.proc, r.usage, true)
        done.set(r.node, r)
        doneNodes.add(r.node)
        if (startUs > 0) emit({type: 'node-done', elapsedMs: (nowUs() - startUs) / 1000, node: r.node, ops: r.ops})
        return
      case 'event':
        if (r.event.type === 'writeback-refused') fencedWritebacks++
        events.write(r.event.type, {...r.event, node: r.node})
        return
      case 'error':
        errors.push({node: r.node, message: r.message})
        emit({type: 'node-error', node: r.node, message: r.message})
    }
  }

  // 1. Every node joins (bounded wait; external nodes get longer by default).
  const readyDeadline = Date.now() + (options.readyTimeoutMs ?? (options.externalNodes ? 600_000 : 30_000))
  while (ready.size < n) {
    if (aborted()) return finish('interrupted', 0)
    const dead = crashed()
    if (dead) throw new Error(`node ${dead.node} exited before it was ready (exit ${dead.child.exitCode}); see ${dead.logFile}`)
    if (Date.now() > readyDeadline) {
      const missing = Array.from({length: n}, (_, k) => k).filter((k) => !ready.has(k))
      throw new Error(`nodes ${missing.join(', ')} did not join run ${runId} in time`)
    }
    for (const r of await reader.read(200)) handle(r)
  }

  // 2. Start all nodes at one instant a little in the future, so their clocks line up.
  startUs = nowUs() + 50_000
  events.setOrigin(startUs / 1000)
  sup.startReaper()
  await resources.start(redis)
  await setStatus(redis, runId, 'running')
  for (let k = 0; k < n; k++) await control(redis, runId, k, {type: 'start', atUs: startUs})
  emit({type: 'started', runId, nodes: [...ready.values()].map(({node, pid, host}) => ({node, pid, host}))})
  const totalKnown = [...ready.values()].every((r) => r.total !== null)
  const total = totalKnown ? [...ready.values()].reduce((s, r) => s + (r.total ?? 0), 0) : null

  // 3. Collect until every node is done, or the run is interrupted / stuck / broken.
  const livenessMs = options.livenessMs ?? DEFAULT_LIVENESS_MS
  let lastProgressAt = Date.now()
  let lastDone = 0
  let lastEmit = 0
  let end: RunEnd = 'completed'
  const schedule = options.chaos && options.chaos.length > 0 ? runSchedule(options.chaos, {redis, runId, nodes: n, granularity: options.workload.cluster.granularity, events}) : null
  let paused = false
  while (done.size + sup.gone().size < n) {
    await sup.tick()
    if (sup.redisLost) {
      errors.push({node: -1, message: sup.redisLost})
      end = 'failed'
      break
    }
    if (sup.reaperError) {
      errors.push({node: -1, message: `reaper: ${sup.reaperError.message}`})
      end = 'failed'
      break
    }
    if (aborted()) {
      end = 'interrupted'
      break
    }
    if (deadlockToAbort !== null) {
      end = 'deadlocked'
      break
    }
    if ((options.paused?.() ?? false) !== paused) {
      paused = !paused
      for (let k = 0; k < n; k++) if (!done.has(k)) await control(redis, runId, k, {type: paused ? 'pause' : 'resume'})
      emit({type: 'paused', elapsedMs: (nowUs() - startUs) / 1000, paused})
    }
    if (paused) lastProgressAt = Date.now() // a paused run is not stuck
    const dead = crashed()
    if (dead) {
      errors.push({node: dead.node, message: `process exited with ${dead.child.exitCode} before finishing; see ${dead.logFile}`})
      end = 'failed'
      break
    }
    for (const r of await reader.read(100)) handle(r)
    const sum = perNode.reduce((a, b) => a + b, 0)
    if (sum !== lastDone) {
      lastDone = sum
      lastProgressAt = Date.now()
    }
    if (Date.now() - lastProgressAt > livenessMs) {
      // What each node was doing and waiting for, from its last progress reports: a cycle the
      // manager did not detect (or a policy that does not break it) still ends here, explained.
      const nodes = Array.from({length: n}, (_, k) => lastSeen.get(k) ?? {node: k, op: null, waits: []})
      const idleMs = Date.now() - lastProgressAt
      stuckEvents.push({timeMs: (nowUs() - startUs) / 1000, idleMs, nodes})
      emit({type: 'stuck', idleMs, nodes})
      end = 'stuck'
      break
    }
    if (Date.now() - lastEmit >= 200) {
      lastEmit = Date.now()
      const nodes = perNode.map((ops, node): NodeLive => {
        const summary = live[node] ?? null
        const state = done.has(node) ? 'done' : sup.liveState(node) ?? (summary === null ? 'starting' : summary.paused ? 'paused' : 'alive')
        return {node, state, ops, summary}
      })
      const cpuBusy = resources.recentBusy()
      emit({type: 'progress', elapsedMs: (nowUs() - startUs) / 1000, done: sum, total, perNode: [...perNode], interval: takeInterval(interval), nodes, cpuBusy, saturated: isSaturated(cpuBusy)})
    }
  }
  const durationMs = (nowUs() - startUs) / 1000
  // A lost Redis is not asked (its commands would wait for reconnects); it is then just not measured.
  await resources.end(sup.redisLost ? null : redis)
  schedule?.stop()
  sup.stop()

  // 4. A completed run writes back every dirty page, then the shared disk is read: the final
  // state the "nothing written back is lost" check compares with the history (bounded wait).
  if (end === 'completed') {
    for (let k = 0; k < n; k++) await control(redis, runId, k, {type: 'flush'})
    const flushUntil = Date.now() + livenessMs
    // A node killed for good (chaos) flushes nothing: its unflushed writes are `info` anyway.
    const down = sup.down()
    const settled = () => new Set([...flushed, ...down]).size
    while (settled() < n && Date.now() < flushUntil && !aborted()) for (const r of await reader.read(100)) handle(r)
    if (settled() === n) final = {...NO_FINAL_STATE, flushed: true, disk: await readFinalDisk(redis, runId, options.workload)}
  }

  // 5. Stop everyone (nodes kept serving callbacks until now), then drain their last reports.
  for (let k = 0; k < n; k++) await control(redis, runId, k, {type: 'stop', reason: end})
  await setStatus(redis, runId, end)
  const drainUntil = Date.now() + 3000
  while ((done.size + sup.gone().size < ready.size || stopped.size + sup.gone().size < ready.size) && Date.now() < drainUntil) for (const r of await reader.read(100)) handle(r)
  await reapNodes(sup.all(), 3000)
  for (const r of await reader.read(10)) handle(r)
  reader.close()
  if (end === 'stuck') {
    waits.sort((a, b) => a.node - b.node)
    final = {...final, waits, manager: await readManagerUnits(redis, runId, waits).catch(() => ({}))}
  }
  return finish(end, durationMs)

  function finish(how: RunEnd, ms: number): Driven {
    const totals = emptyCounters()
    const nodes = Array.from({length: n}, (_, k) => {
      const d = done.get(k)
      const r = ready.get(k)
      if (d) addCounters(totals, d.counters)
      return {node: k, pid: r?.pid ?? -1, host: r?.host ?? '?', ops: perNode[k] ?? 0, counters: d?.counters ?? emptyCounters(), histograms: d ? encodeCounts(d.histograms) : null}
    })
    // Counters of killed incarnations are lost with them, but their ops were reported as they went.
    totals.ops = nodes.reduce((sum, x) => sum + x.ops, 0)
    const dead = [...sup.deadProcs].sort((a, b) => a - b)
    const count = (type: string) => events.records.filter((e) => e.type === type).length
    const faults: FaultSummary = {
      kills: count('kill'), pauses: count('pause'), leaseLosses: count('lease-lost'), deaths: count('death-detected'),
      restarts: count('node-restarted'),
      recoveryMs: sup.recoveries.flatMap((r) => (r.sinceKillMs === null ? [] : [r.sinceKillMs])),
      fencedWritebacks, deadProcesses: dead,
    }
    const gaps = cutAtGaps(mergeHistory(closeCutShort(history, ms * 1e6)))
    if (gaps.cut.length > 0) errors.push({node: -1, message: `history of processes ${gaps.cut.join(', ')} has a gap (batches lost with Redis): their later entries were dropped`})
    const merged = markDeadProcesses(gaps.history, new Set(dead))
    const endNs = (nowUs() - startUs) * 1000
    const deathNs = new Map(dead.map((p) => [p, sup.deathMs.has(p) ? (sup.deathMs.get(p)! * 1000 - startUs) * 1000 : endNs]))
    const byTime = (a: {time: number}, b: {time: number}) => a.time - b.time
    // Deadlocks are complete only now (every node of a cycle has reported): one writer, events.jsonl.
    const found = deadlocks.records()
    for (const d of found) events.write('deadlock', {...d})
    for (const s of stuckEvents) events.write('stuck', {...s})
    return {
      durationMs: ms, end: how, errors, nodes, totals, history: merged, trace: endDeadMappings(trace.sort(byTime), deathNs), locks: endDeadHolds(locks.sort(byTime), deathNs), final, faults,
      deadlocks: found, events: [...events.records], resources: resources.summarize(totals.ops),
    }
  }
}

/**
 * An op cut short by the end of the run (its node's last entry is an invoke) gets an `info`
 * completion at the end: Jepsen's "may or may not have taken effect". Each node runs one op at a time.
 */
function closeCutShort(perNode: HistoryEntry[][], endNs: number): HistoryEntry[][] {
  for (const entries of perNode) {
    const last = entries.at(-1)
    if (last?.type !== 'invoke') continue
    entries.push({index: -1, time: Math.max(endNs, last.time), process: last.process, type: 'info', f: last.f, key: last.key, value: last.f === 'write' ? last.value : null})
  }
  return perNode
}

/** One real-time ordered history; each node's own entries keep their order. */
function mergeHistory(perNode: readonly (readonly HistoryEntry[])[]): HistoryEntry[] {
  const all = perNode.flat()
  all.sort((a, b) => a.time - b.time)
  all.forEach((e, i) => (e.index = i))
  return all
}

function takeInterval(interval: IntervalLatency): EncodedHistograms[] {
  const merged = interval.take()
  return merged === null ? [] : [merged]
}

async function control(redis: Redis, runId: string, node: number, msg: ControlMessage): Promise<void> {
  await redis.xadd(keys.control(runId, node), 'MAXLEN', '~', '1000', '*', ...encodeMessage(node, msg))
}

/** On a shared Redis, a finished run removes its keys (results live on disk). */
async function cleanupRunKeys(redis: Redis, runId: string): Promise<void> {
  let cursor = '0'
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `cmm:{${runId}}:*`, 'COUNT', 1000)
    cursor = next
    if (batch.length > 0) await redis.unlink(...batch)
  } while (cursor !== '0')
}

