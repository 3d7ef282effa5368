// What a run cost the machine (run.json `resources`): CPU time and peak memory of every process
// (orchestrator, node incarnations, redis-server), CPU per op, and whether the machine's CPUs
// were saturated. A saturated run's latencies include time spent waiting for a CPU, which is
// cmm's cost (or other work's), not the protocol's. Plain data and the pure rules on it; the
// samples themselves are taken by metrics/resources.ts.

/** One process's own usage (getrusage of the process itself, not of its children). */
export interface ProcessUsage {
  readonly userMs: number
  readonly systemMs: number
  /** Peak resident set size, KiB; null when it cannot be known (a remote Redis). */
  readonly maxRssKb: number | null
  /**
   * Nodes only: the CPU (user + system, ms) the incarnation had used when its workload began:
   * loading its code, connecting, reading the run's meta. A fixed cost per process, so a short
   * run's CPU per op is mostly this; `cmm.cpuUsPerOpAfterStartup` leaves it out.
   */
  readonly startupMs?: number
}

export type ProcessRole = 'orchestrator' | 'node' | 'redis-server'

/** Nodes: the incarnation's whole life (start-up included). Orchestrator: since the run began. Redis: during the run (INFO cpu). */
export interface ProcessResources extends ProcessUsage {
  readonly role: ProcessRole
  readonly pid: number
  /** Nodes only: the node and which incarnation of it (0 = first start). */
  readonly node?: number
  readonly incarnation?: number
  /** Nodes only: false when the incarnation was killed and this is its last progress report. */
  readonly final?: boolean
}

export interface RunResources {
  readonly processes: readonly ProcessResources[]
  /**
   * CPU of the cmm processes (orchestrator and every node incarnation), and per op; per op again
   * without the nodes' start-up (`startupMs`): what each op costs once the processes are running.
   */
  readonly cmm: {readonly cpuMs: number; readonly cpuUsPerOp: number | null; readonly cpuUsPerOpAfterStartup: number | null}
  /**
   * CPU the Redis server used during the run (INFO cpu), and per op; null if not measured. `scripts`:
   * the Lua script calls during the run (INFO commandstats EVALSHA + EVAL: the manager's decisions,
   * and the leases' renewals), per op, and Redis' own µs in each: what the protocol's decisions
   * cost where they run, apart from cmm's processes (null when commandstats could not be read or
   * were reset). `redis` itself is null when Redis restarted or failed over during the run.
   */
  readonly redis: {readonly cpuMs: number; readonly cpuUsPerOp: number | null; readonly scripts?: RedisScripts | null} | null
  /** The machine the orchestrator runs on: its CPUs and how busy they were over the run (0..1, every process on it). */
  readonly machine: {readonly cpus: number; readonly busy: number | null}
  /** The machine's CPUs were at least SATURATED_BUSY busy: latencies include waiting for a CPU. */
  readonly saturated: boolean
  /**
   * Node incarnations that joined but never reported their usage (killed before their first
   * progress report): in neither `processes` nor the CPU figures, as their ops are in no count.
   * Absent when there are none.
   */
  readonly unmeasured?: readonly UnmeasuredProcess[]
}

export interface UnmeasuredProcess {
  readonly node: number
  readonly incarnation: number
  readonly pid: number
}

/** This busy (all CPUs, whole run) and the run's latencies are mostly queueing for a CPU. */
export const SATURATED_BUSY = 0.9

export const SATURATION_NOTE = 'latencies include waiting for a CPU: run fewer nodes per host, or nodes on other hosts (--external-nodes)'

/** Cumulative CPU time of every CPU of a machine, ms. */
export interface CpuSample {
  readonly busyMs: number
  readonly totalMs: number
  readonly cpus: number
}

/** Share of the machine's CPU time that was busy between two samples (0..1); null if no time passed. */
export function busyFraction(from: CpuSample, to: CpuSample): number | null {
  const total = to.totalMs - from.totalMs
  if (!(total > 0)) return null
  return Math.min(1, Math.max(0, (to.busyMs - from.busyMs) / total))
}

/** The saturation rule, by itself so it is tested without a loaded machine. */
export function isSaturated(busy: number | null): boolean {
  return busy !== null && busy >= SATURATED_BUSY
}

export interface RedisScripts {
  readonly calls: number
  readonly callsPerOp: number | null
  /** Mean time Redis spent in one call (commandstats `usec`, inner commands included). */
  readonly usPerCall: number | null
}

/** Calls and in-server µs of commands, as INFO commandstats counts them (cumulative). */
export interface CommandTotals {
  readonly calls: number
  readonly usec: number
}

export interface ResourceInputs {
  readonly orchestrator: ProcessResources
  readonly nodes: readonly ProcessResources[]
  readonly redis: (ProcessUsage & {readonly pid: number}) | null
  /** Script calls during the run (the difference of two commandstats samples); absent: not measured. */
  readonly redisScripts?: CommandTotals | null
  readonly ops: number
  readonly cpus: number
  readonly busy: number | null
  readonly unmeasured?: readonly UnmeasuredProcess[]
}

/** A process's CPU time, user + system, ms. */
export function cpuMs(p: Pick<ProcessUsage, 'userMs' | 'systemMs'>): number {
  return p.userMs + p.systemMs
}

export function summarizeResources(i: ResourceInputs): RunResources {
  const cmmMs = cpuMs(i.orchestrator) + i.nodes.reduce((s, p) => s + cpuMs(p), 0)
  const startupMs = i.nodes.reduce((s, p) => s + (p.startupMs ?? 0), 0)
  const perOp = (ms: number) => (i.ops > 0 ? round((ms * 1000) / i.ops) : null)
  const redis: ProcessResources | null = i.redis === null ? null : {role: 'redis-server', ...i.redis}
  return {
    processes: [i.orchestrator, ...i.nodes, ...(redis ? [redis] : [])],
    cmm: {cpuMs: round(cmmMs), cpuUsPerOp: perOp(cmmMs), cpuUsPerOpAfterStartup: perOp(cmmMs - startupMs)},
    redis: redis === null ? null : {cpuMs: round(cpuMs(redis)), cpuUsPerOp: perOp(cpuMs(redis)), scripts: scriptsOf(i.redisScripts ?? null, i.ops)},
    machine: {cpus: i.cpus, busy: i.busy === null ? null : round(i.busy)},
    saturated: isSaturated(i.busy),
    ...(i.unmeasured && i.unmeasured.length > 0 ? {unmeasured: i.unmeasured} : {}),
  }
}

function scriptsOf(t: CommandTotals | null, ops: number): RedisScripts | null {
  if (t === null) return null
  return {calls: t.calls, callsPerOp: ops > 0 ? round(t.calls / ops) : null, usPerCall: t.calls > 0 ? round(t.usec / t.calls) : null}
}

/**
 * The Lua script calls (EVALSHA and EVAL) of an INFO commandstats reply, summed (zeros when none
 * ran); null when the reply has no command stats at all (a Redis-compatible server without them).
 */
export function parseScriptStats(info: string): CommandTotals | null {
  if (!/^cmdstat_/m.test(info)) return null
  const [sha, full] = [commandStat(info, 'evalsha'), commandStat(info, 'eval')]
  return {calls: sha.calls + full.calls, usec: sha.usec + full.usec}
}

/** Calls of `command` and the µs Redis spent in them, from an INFO commandstats reply (zeros when it never ran). */
export function commandStat(info: string, command: string): CommandTotals {
  const m = new RegExp(`^cmdstat_${command}:calls=(\\d+),usec=(\\d+)`, 'm').exec(info)
  return m ? {calls: Number(m[1]), usec: Number(m[2])} : {calls: 0, usec: 0}
}

/** One sample of the Redis server: which server life it is (`run_id` changes on every restart), and its counters. */
export interface RedisSample {
  readonly runId: string | null
  readonly pid: number | null
  readonly userMs: number
  readonly systemMs: number
  /** Script calls so far (INFO commandstats); null when they could not be read. */
  readonly scripts: CommandTotals | null
}

/**
 * What Redis used between two samples: null when they are not of one server's one life (restarted,
 * failed over, or unknown), since counters from two lives do not subtract. `scripts` is null when
 * either sample lacks them or they went down (CONFIG RESETSTAT).
 */
export function redisBetween(from: RedisSample, to: RedisSample): {readonly userMs: number; readonly systemMs: number; readonly scripts: CommandTotals | null} | null {
  const same = from.runId !== null || to.runId !== null ? from.runId === to.runId : from.pid !== null && from.pid === to.pid
  if (!same || to.userMs < from.userMs || to.systemMs < from.systemMs) return null
  const [f, t] = [from.scripts, to.scripts]
  const scripts = f && t && t.calls >= f.calls && t.usec >= f.usec ? {calls: t.calls - f.calls, usec: t.usec - f.usec} : null
  return {userMs: to.userMs - from.userMs, systemMs: to.systemMs - from.systemMs, scripts}
}

/** `used_cpu_user` and `used_cpu_sys` (seconds) of an INFO cpu reply, in ms. */
export function parseInfoCpu(info: string): {userMs: number; systemMs: number} {
  const field = (name: string) => {
    const m = new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info)
    if (!m) throw new Error(`INFO cpu: no ${name}`)
    return Number(m[1]) * 1000
  }
  return {userMs: field('used_cpu_user'), systemMs: field('used_cpu_sys')}
}

/** One line for the summary: what the run cost per op, and the machine's load. */
export function resourcesLine(r: RunResources): string {
  const scripts = r.redis?.scripts
  const decisions = scripts && scripts.callsPerOp !== null && scripts.usPerCall !== null ? ` (Lua scripts: ${round2(scripts.callsPerOp)} calls per op, ${Math.round(scripts.usPerCall)} µs each in Redis)` : ''
  const redis = r.redis ? `, redis-server ${r.redis.cpuUsPerOp ?? '-'} µs${decisions}` : ''
  const busy = r.machine.busy === null ? '' : `; machine ${Math.round(r.machine.busy * 100)}% busy (${r.machine.cpus} CPUs)`
  const after = r.cmm.cpuUsPerOpAfterStartup
  const running = after === null || after === r.cmm.cpuUsPerOp ? '' : ` (${after} µs after the nodes' start-up)`
  return `resources: CPU per op: cmm ${r.cmm.cpuUsPerOp ?? '-'} µs${running}${redis}${busy}${unmeasuredText(r.unmeasured ?? [])}`
}

/** The incarnations the CPU figures leave out, said where the figures are shown. */
function unmeasuredText(u: readonly UnmeasuredProcess[]): string {
  if (u.length === 0) return ''
  const which = u.map((p) => `node ${p.node} incarnation ${p.incarnation}`).join(', ')
  return `; not counted: ${which} (killed before ${u.length === 1 ? 'its' : 'their'} first progress report: ${u.length === 1 ? 'its' : 'their'} CPU and ops are in no figure)`
}

function round2(x: number): number {
  return Math.round(x * 100) / 100
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000
}
