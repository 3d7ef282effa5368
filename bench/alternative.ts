// Figure 6: what a user without cmm would write: every access takes a Redis mutex
// (redis-semaphore, default options), reads or writes the page's bytes in Redis, and releases.
// Same op streams as figure 5 (the workload's own generator, same seed), same node count, same
// Redis, and like cmm's nodes one process per client (bench/alt-client.ts).
import {spawn} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {nowUs} from '../src/util/clock.js'
import {round, type BenchContext, type BenchRow} from './figure.js'
import {mixYaml, runMix, type MixResult, type MixSpec} from './mix-runs.js'
import {measured, measuredRuns, READ_MOSTLY_KEY, READ_MOSTLY_MIX, SECONDS, ZIPF_MIX} from './throughput.js'
import {cpuMs, parseInfoCpu, type RunResources} from '../src/records/resources.js'

const NODES = 4
/** Room for the client processes to start (node + ioredis load) before the common start time. */
const START_DELAY_US = 3_000_000
const CLIENT_TIMEOUT_MS = 60_000

interface ClientResult {
  readonly ops: number
  readonly endUs: number
  readonly cpuMs: number
  /** CPU used when its workload began (start-up: loading code, connecting). */
  readonly startupCpuMs: number
  /** Commands it sent while playing. */
  readonly commands: number
}

function runClient(url: string, node: number, startUs: number, yaml: string): Promise<ClientResult> {
  const script = fileURLToPath(new URL('./alt-client.js', import.meta.url))
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, url, String(node), String(startUs), Buffer.from(yaml).toString('base64')], {stdio: ['ignore', 'pipe', 'pipe']})
    let out = ''
    let err = ''
    const timer = setTimeout(() => child.kill('SIGKILL'), CLIENT_TIMEOUT_MS)
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.once('exit', (code) => {
      clearTimeout(timer)
      if (code !== 0) reject(new Error(`lock-library client ${node} exited ${code}: ${err.trim().split('\n')[0] ?? ''}`))
      else resolve(JSON.parse(out) as ClientResult)
    })
  })
}

/**
 * ops/s, and CPU µs per op of the client processes (whole lives; again without their start-up)
 * and of redis-server (INFO cpu over the run).
 */
interface SideResult {
  readonly opsPerSec: number
  readonly clientUsPerOp: number
  readonly clientUsPerOpAfterStartup: number
  readonly redisUsPerOp: number
  /** Redis commands the clients (cmm: the nodes) sent per op, and their CPU per command after start-up. */
  readonly commandsPerOp: number
  readonly clientUsPerCommand: number
  /** CPU per op of what sends no workload traffic: cmm's orchestrator (records, checks); 0 for the lock library. */
  readonly othersUsPerOp: number
  /** cmm only: its Lua script calls per op and Redis' µs in each (run.json resources.redis.scripts). */
  readonly scripts?: {readonly callsPerOp: number; readonly usPerCall: number}
}

async function lockLibraryRun(ctx: BenchContext, mix: Pick<MixSpec, 'read' | 'write' | 'pages'>, seconds: number): Promise<SideResult> {
  const yaml = mixYaml({...mix, nodes: NODES, seconds})
  const startUs = nowUs() + START_DELAY_US
  const redisBefore = parseInfoCpu(await ctx.redis.info('cpu'))
  const results = await Promise.all(Array.from({length: NODES}, (_, k) => runClient(ctx.redisUrl, k, startUs, yaml)))
  const redisAfter = parseInfoCpu(await ctx.redis.info('cpu'))
  const endUs = Math.max(...results.map((r) => r.endUs))
  const ops = results.reduce((s, r) => s + r.ops, 0)
  const redisMs = cpuMs(redisAfter) - cpuMs(redisBefore)
  const clientMs = results.reduce((s, r) => s + r.cpuMs, 0)
  const startupMs = results.reduce((s, r) => s + r.startupCpuMs, 0)
  const commands = results.reduce((s, r) => s + r.commands, 0)
  return {opsPerSec: ops / ((endUs - startUs) / 1e6), clientUsPerOp: (clientMs * 1000) / ops, clientUsPerOpAfterStartup: ((clientMs - startupMs) * 1000) / ops, redisUsPerOp: (redisMs * 1000) / ops, commandsPerOp: commands / ops, clientUsPerCommand: ((clientMs - startupMs) * 1000) / commands, othersUsPerOp: 0}
}

/** CPU µs of a run's processes of one role, each less its start-up (nodes: their CPU before the workload began). */
function runningUs(res: RunResources, role: 'node' | 'orchestrator'): number {
  return res.processes.reduce((us, p) => (p.role === role ? us + (cpuMs(p) - (p.startupMs ?? 0)) * 1000 : us), 0)
}

function cmmSide(r: MixResult): SideResult {
  const res = r.resources
  if (res === null || res.redis === null) throw new Error('cmm run without resources')
  const scripts = res.redis.scripts
  const perCall = scripts && scripts.callsPerOp !== null && scripts.usPerCall !== null ? {scripts: {callsPerOp: scripts.callsPerOp, usPerCall: scripts.usPerCall}} : {}
  return {opsPerSec: r.opsPerSec, clientUsPerOp: res.cmm.cpuUsPerOp ?? Number.NaN, clientUsPerOpAfterStartup: res.cmm.cpuUsPerOpAfterStartup ?? Number.NaN, redisUsPerOp: res.redis.cpuUsPerOp ?? Number.NaN, commandsPerOp: r.redisCommands / r.ops, clientUsPerCommand: runningUs(res, 'node') / r.redisCommands, othersUsPerOp: runningUs(res, 'orchestrator') / r.ops, ...perCall}
}

/**
 * Each side's runs alternate (lock library, cmm, lock library, cmm, ...), PAIRS pairs per mix, and
 * each ratio is the median of the pairs' ratios: both sides saturate the 2 cores, so a run's
 * figures move with whatever else the machine does, and one pair can land on a bad moment.
 */
const PAIRS = 3
/**
 * Seconds of each run, both sides (default SECONDS, and figure 5's first cmm run is reused).
 * CMM_ALT_SECONDS=8 measures nearer the steady state: a node's first ~1.5 s is V8 compiling
 * cmm's code, half of a 3 s run (BENCHMARKS.md, issue 12 third session).
 */
const ALT_SECONDS = Number(process.env.CMM_ALT_SECONDS ?? SECONDS)

interface Pair {
  readonly alt: SideResult
  readonly cmm: SideResult
}

async function pairs(ctx: BenchContext, mix: Pick<MixSpec, 'read' | 'write' | 'pages'>, firstCmm: MixResult | undefined): Promise<Pair[]> {
  const out: Pair[] = []
  for (let i = 0; i < PAIRS; i++) {
    const alt = await lockLibraryRun(ctx, mix, ALT_SECONDS)
    const run = i === 0 && firstCmm !== undefined && ALT_SECONDS === SECONDS ? firstCmm : await runMix(ctx, {...mix, nodes: NODES, seconds: ALT_SECONDS})
    out.push({alt, cmm: cmmSide(run)})
  }
  return out
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** Every pair's ratio, for a row's unit. */
const each = (ratios: readonly number[]) => `pairs: ${ratios.map((r) => `${round(r)}x`).join(', ')}`

const cpu = (s: SideResult) => s.clientUsPerOp + s.redisUsPerOp
/** The same without the processes' start-up (a fixed cost per process, large in a 3 s run). */
const runningCpu = (s: SideResult) => s.clientUsPerOpAfterStartup + s.redisUsPerOp

/** The rows of one mix: medians of each side, the median of the pairs' ratios, every pair's ratio in the unit. */
function mixRows(figure: string, label: string, ps: readonly Pair[], opsTarget: number): BenchRow[] {
  const opsRatios = ps.map((p) => p.cmm.opsPerSec / p.alt.opsPerSec)
  const cpuRatios = ps.map((p) => cpu(p.cmm) / cpu(p.alt))
  const runningRatios = ps.map((p) => runningCpu(p.cmm) / runningCpu(p.alt))
  const redisRatios = ps.map((p) => p.cmm.redisUsPerOp / cpu(p.alt))
  const side = (pick: (p: Pair) => SideResult) => {
    const ss = ps.map(pick)
    return {ops: median(ss.map((s) => s.opsPerSec)), cpu: median(ss.map(cpu)), running: median(ss.map(runningCpu)), procs: median(ss.map((s) => s.clientUsPerOp)), redis: median(ss.map((s) => s.redisUsPerOp))}
  }
  const alt = side((p) => p.alt)
  const cmm = side((p) => p.cmm)
  const cpuUnit = (s: typeof alt) => `µs/op, median of ${ps.length} (processes ${Math.round(s.procs)} + redis-server ${Math.round(s.redis)})`
  const opsRatio = median(opsRatios)
  const cpuRatio = median(cpuRatios)
  return [
    {figure, metric: `${label}redis-semaphore, ${NODES} client processes`, value: Math.round(alt.ops), unit: `ops/s, median of ${ps.length}`},
    {figure, metric: `${label}cmm, ${NODES} node processes, page locks`, value: Math.round(cmm.ops), unit: `ops/s, median of ${ps.length}; ${each(opsRatios)}`, ratio: round(opsRatio), vs: 'redis-semaphore (median pair)', target: `>= ${opsTarget}`, met: opsRatio >= opsTarget},
    {figure, metric: `${label}CPU per op, redis-semaphore (every process, Redis included)`, value: round(alt.cpu, 1), unit: cpuUnit(alt)},
    {figure, metric: `${label}CPU per op, cmm (nodes, orchestrator, Redis)`, value: round(cmm.cpu, 1), unit: `${cpuUnit(cmm)}; ${each(cpuRatios)}`, ratio: round(cpuRatio), vs: 'redis-semaphore (median pair)', ...(label === '' ? {target: '<= 1.0', met: cpuRatio <= 1} : {})},
    // How much of the CPU target the protocol's Redis side leaves to cmm's processes: the manager's
    // scripts, inbox streams and record outbox alone, against everything the lock library uses.
    {figure, metric: `${label}CPU per op, cmm's redis-server alone`, value: round(cmm.redis, 1), unit: `µs/op, median of ${ps.length}; ${each(redisRatios)}`, ratio: round(median(redisRatios)), vs: 'redis-semaphore, every process (median pair)'},
    ...scriptRows(figure, label, ps),
    ...perCommandRows(figure, label, ps),
    // Where the gap is: the same without each process's start-up (code loading, connecting), which a 3 s run divides by few ops.
    {figure, metric: `${label}CPU per op after start-up, redis-semaphore`, value: round(alt.running, 1), unit: `µs/op, median of ${ps.length}`},
    {figure, metric: `${label}CPU per op after start-up, cmm`, value: round(cmm.running, 1), unit: `µs/op, median of ${ps.length}; ${each(runningRatios)}`, ratio: round(median(runningRatios)), vs: 'redis-semaphore (median pair)'},
  ]
}

/**
 * The CPU ratio split in two: how many Redis commands each side's clients send per op (cmm: its
 * nodes, every command; the lock library: the mutex's scripts and retries, GET or SET), and what
 * those processes spend per command after start-up. The first is the protocol's; the second is
 * cmm's code per message against a bare ioredis client's.
 */
function perCommandRows(figure: string, label: string, ps: readonly Pair[]): BenchRow[] {
  const commands = (s: SideResult) => s.commandsPerOp
  const perCommand = (s: SideResult) => s.clientUsPerCommand
  const med = (f: (s: SideResult) => number, pick: (p: Pair) => SideResult) => median(ps.map((p) => f(pick(p))))
  const ratios = (f: (s: SideResult) => number) => ps.map((p) => f(p.cmm) / f(p.alt))
  return [
    {figure, metric: `${label}Redis commands per op, redis-semaphore`, value: round(med(commands, (p) => p.alt)), unit: `commands/op, median of ${ps.length} (the mutex's scripts and retries, GET or SET)`},
    {figure, metric: `${label}Redis commands per op, cmm's nodes`, value: round(med(commands, (p) => p.cmm)), unit: `commands/op, median of ${ps.length}; ${each(ratios(commands))}`, ratio: round(median(ratios(commands))), vs: 'redis-semaphore (median pair)'},
    {figure, metric: `${label}client processes' CPU per command sent, after start-up, redis-semaphore`, value: round(med(perCommand, (p) => p.alt), 1), unit: `µs/command, median of ${ps.length}`},
    {figure, metric: `${label}node processes' CPU per command sent, after start-up, cmm`, value: round(med(perCommand, (p) => p.cmm), 1), unit: `µs/command, median of ${ps.length}; ${each(ratios(perCommand))}`, ratio: round(median(ratios(perCommand))), vs: 'redis-semaphore (median pair)'},
    ceilingRow(figure, label, ps),
  ]
}

/**
 * The ops/s ratio cmm could reach if its nodes spent per command only what the lock library's bare
 * ioredis clients spend, its orchestrator and Redis costing what they did: with both sides CPU-bound
 * (they saturate the machine), ops/s go as the inverse of CPU per op. A target above this ceiling
 * is out of reach of any cut to cmm's node code.
 */
function ceilingRow(figure: string, label: string, ps: readonly Pair[]): BenchRow {
  const ceilings = ps.map(({alt, cmm}) => runningCpu(alt) / (cmm.commandsPerOp * alt.clientUsPerCommand + cmm.othersUsPerOp + cmm.redisUsPerOp))
  const ceiling = median(ceilings)
  return {figure, metric: `${label}ops/s ceiling if cmm's nodes cost a bare client's CPU per command (orchestrator, Redis as measured)`, value: round(ceiling), unit: `x redis-semaphore's ops/s (so CPU per op >= ${round(1 / ceiling)}x), median of ${ps.length}; ${each(ceilings)}`}
}

/** Of cmm's Redis CPU per op, the Lua scripts (manager decisions, lease renewals): calls per op and Redis' time in each. */
function scriptRows(figure: string, label: string, ps: readonly Pair[]): BenchRow[] {
  const measured = ps.flatMap((p) => (p.cmm.scripts ? [p.cmm.scripts] : []))
  if (measured.length === 0) return []
  const calls = median(measured.map((m) => m.callsPerOp))
  const each = median(measured.map((m) => m.usPerCall))
  const perOp = median(measured.map((m) => m.callsPerOp * m.usPerCall))
  return [{figure, metric: `${label}cmm's Lua scripts in Redis (the manager's decisions, lease renewals), per op`, value: round(perOp, 1), unit: `µs/op in the scripts, median of ${measured.length} (${round(calls)} calls per op, ${round(each, 1)} µs each; INFO commandstats time, not CPU)`}]
}

export async function benchAlternative(ctx: BenchContext): Promise<BenchRow[]> {
  const figure = '6 against a Redis lock library'
  const zipf = await pairs(ctx, ZIPF_MIX, measuredRuns.get(`page:${NODES}`))
  // Where a node's cached SH locks serve most accesses.
  const readMostly = await pairs(ctx, READ_MOSTLY_MIX, undefined)
  measured.set(READ_MOSTLY_KEY, median(readMostly.map((p) => p.cmm.opsPerSec)))
  return [...mixRows(figure, '', zipf, 1.5), ...mixRows(figure, 'read-mostly 95/5: ', readMostly, 5)]
}
