// Collects what a run cost while it runs (src/metrics/resources.ts): the usage each node
// incarnation reports about itself, the orchestrator's own, redis-server's from INFO, and the
// machine's CPU load over the run and over the last few seconds (for the live view).
import {readFileSync} from 'node:fs'
import type {Redis} from 'ioredis'
import type {NodeReport} from '../records/messages.js'
import {ownUsage, sampleCpus} from '../metrics/resources.js'
import {busyFraction, parseInfoCpu, parseScriptStats, redisBetween, summarizeResources, type CommandTotals, type CpuSample, type ProcessResources, type ProcessUsage, type RedisSample, type RunResources} from '../records/resources.js'

/** The live view's load figure covers about this much of the recent past. */
const RECENT_WINDOW_MS = 2000

export class ResourceTracker {
  private readonly byProc = new Map<number, ProcessResources>()
  private readonly pidOf = new Map<number, number>()
  private runStart: CpuSample | null = null
  private runEnd: CpuSample | null = null
  private redisStart: RedisSample | null = null
  private redisEnd: RedisSample | null = null
  private readonly recent: {atMs: number; cpu: CpuSample}[] = []

  /**
   * The orchestrator's row counts from here (the run's start), not from its process's start: the
   * benchmark and the tests run several runs in one process.
   */
  private readonly orchestratorAtStart = ownUsage()

  constructor(private readonly nodes: number) {}

  /** Takes what a node report says about its process: its pid when ready, its own usage in progress, done and stopped. */
  note(r: NodeReport): void {
    switch (r.type) {
      case 'ready':
        return this.ready(r.proc ?? r.node, r.pid)
      case 'progress':
        return this.usage(r.node, r.proc, r.usage, false)
      case 'done':
      case 'stopped':
        return this.usage(r.node, r.proc, r.usage, true)
    }
  }

  ready(proc: number, pid: number): void {
    this.pidOf.set(proc, pid)
  }

  /** A node's report of its own usage; `final` for its `done`/`stopped` reports. */
  usage(node: number, proc: number | undefined, usage: ProcessUsage | undefined, final: boolean): void {
    if (usage === undefined) return
    const p = proc ?? node
    this.byProc.set(p, {role: 'node', node, incarnation: Math.floor(p / this.nodes), pid: this.pidOf.get(p) ?? -1, ...usage, final})
  }

  async start(redis: Redis): Promise<void> {
    this.runStart = sampleCpus()
    this.redisStart = await sampleRedis(redis)
  }

  async end(redis: Redis | null): Promise<void> {
    if (this.runStart === null || this.runEnd !== null) return
    this.runEnd = sampleCpus()
    this.redisEnd = redis === null ? null : await sampleRedis(redis)
  }

  /** How busy the machine's CPUs were over about the last 2 s (null until two samples apart). */
  recentBusy(): number | null {
    const now = {atMs: Date.now(), cpu: sampleCpus()}
    this.recent.push(now)
    while (this.recent.length > 2 && now.atMs - this.recent[1]!.atMs >= RECENT_WINDOW_MS) this.recent.shift()
    const first = this.recent[0]!
    return first === now ? null : busyFraction(first.cpu, now.cpu)
  }

  summarize(ops: number): RunResources {
    const busy = this.runStart && this.runEnd ? busyFraction(this.runStart, this.runEnd) : null
    let redis: (ProcessUsage & {pid: number}) | null = null
    let redisScripts: CommandTotals | null = null
    const during = this.redisStart && this.redisEnd ? redisBetween(this.redisStart, this.redisEnd) : null
    if (during !== null) {
      const pid = this.redisEnd?.pid ?? -1
      redis = {pid, userMs: during.userMs, systemMs: during.systemMs, maxRssKb: peakRssKb(pid)}
      redisScripts = during.scripts
    }
    const nodes = [...this.byProc.entries()].sort(([a], [b]) => a - b).map(([, r]) => r)
    const now = ownUsage()
    const since = this.orchestratorAtStart
    const orchestrator: ProcessResources = {role: 'orchestrator', pid: process.pid, userMs: now.userMs - since.userMs, systemMs: now.systemMs - since.systemMs, maxRssKb: now.maxRssKb}
    const unmeasured = [...this.pidOf].filter(([p]) => !this.byProc.has(p)).sort(([a], [b]) => a - b).map(([p, pid]) => ({node: p % this.nodes, incarnation: Math.floor(p / this.nodes), pid}))
    return summarizeResources({orchestrator, nodes, redis, redisScripts, ops, cpus: this.runStart?.cpus ?? sampleCpus().cpus, busy, unmeasured})
  }
}

async function sampleRedis(redis: Redis): Promise<RedisSample | null> {
  try {
    const info = await redis.info('cpu')
    const server = await redis.info('server')
    const pid = /^process_id:(\d+)/m.exec(server)
    const runId = /^run_id:(\w+)/m.exec(server)
    const scripts = await redis.info('commandstats').then(parseScriptStats, () => null)
    return {...parseInfoCpu(info), pid: pid ? Number(pid[1]) : null, runId: runId ? runId[1]! : null, scripts}
  } catch {
    // A Redis that forbids INFO (a managed service) still runs the workload; it is just not measured.
    return null
  }
}

/** VmHWM of a local redis-server; null when the pid is not a redis-server on this host. */
function peakRssKb(pid: number): number | null {
  if (pid <= 0) return null
  try {
    if (!readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('redis')) return null
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) : null
  } catch {
    return null
  }
}
