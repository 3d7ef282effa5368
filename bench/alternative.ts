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
import {parseInfoCpu} from '../src/records/resources.js'

const NODES = 4
/** Room for the client processes to start (node + ioredis load) before the common start time. */
const START_DELAY_US = 3_000_000
const CLIENT_TIMEOUT_MS = 60_000

interface ClientResult {
  readonly ops: number
  readonly endUs: number
  readonly cpuMs: number
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

/** ops/s, and CPU µs per op of the client processes (whole lives) and of redis-server (INFO cpu over the run). */
interface SideResult {
  readonly opsPerSec: number
  readonly clientUsPerOp: number
  readonly redisUsPerOp: number
}

async function lockLibraryRun(ctx: BenchContext, mix: Pick<MixSpec, 'read' | 'write' | 'pages'>, seconds: number): Promise<SideResult> {
  const yaml = mixYaml({...mix, nodes: NODES, seconds})
  const startUs = nowUs() + START_DELAY_US
  const redisBefore = parseInfoCpu(await ctx.redis.info('cpu'))
  const results = await Promise.all(Array.from({length: NODES}, (_, k) => runClient(ctx.redisUrl, k, startUs, yaml)))
  const redisAfter = parseInfoCpu(await ctx.redis.info('cpu'))
  const endUs = Math.max(...results.map((r) => r.endUs))
  const ops = results.reduce((s, r) => s + r.ops, 0)
  const redisMs = redisAfter.userMs + redisAfter.systemMs - redisBefore.userMs - redisBefore.systemMs
  return {opsPerSec: ops / ((endUs - startUs) / 1e6), clientUsPerOp: (results.reduce((s, r) => s + r.cpuMs, 0) * 1000) / ops, redisUsPerOp: (redisMs * 1000) / ops}
}

function cmmSide(r: MixResult): SideResult {
  const res = r.resources
  if (res === null || res.redis === null) throw new Error('cmm run without resources')
  return {opsPerSec: r.opsPerSec, clientUsPerOp: res.cmm.cpuUsPerOp ?? Number.NaN, redisUsPerOp: res.redis.cpuUsPerOp ?? Number.NaN}
}

export async function benchAlternative(ctx: BenchContext): Promise<BenchRow[]> {
  const figure = '6 against a Redis lock library'
  const alt = await lockLibraryRun(ctx, ZIPF_MIX, SECONDS)
  const cmm = cmmSide(measuredRuns.get(`page:${NODES}`) ?? (await runMix(ctx, {...ZIPF_MIX, nodes: NODES, seconds: SECONDS})))
  const altRead = await lockLibraryRun(ctx, READ_MOSTLY_MIX, SECONDS)
  const cmmRead = cmmSide(await runMix(ctx, {...READ_MOSTLY_MIX, nodes: NODES, seconds: SECONDS}))
  measured.set(READ_MOSTLY_KEY, cmmRead.opsPerSec)
  const cpu = (s: SideResult) => s.clientUsPerOp + s.redisUsPerOp
  const cpuUnit = (s: SideResult) => `µs/op (processes ${Math.round(s.clientUsPerOp)} + redis-server ${Math.round(s.redisUsPerOp)})`
  return [
    {figure, metric: `redis-semaphore Mutex per op + GET/SET, ${NODES} client processes`, value: Math.round(alt.opsPerSec), unit: 'ops/s'},
    {figure, metric: `cmm, ${NODES} node processes, page locks`, value: Math.round(cmm.opsPerSec), unit: 'ops/s', ratio: round(cmm.opsPerSec / alt.opsPerSec), vs: 'redis-semaphore', target: '>= 1.5', met: cmm.opsPerSec / alt.opsPerSec >= 1.5},
    {figure, metric: 'CPU per op, redis-semaphore (every process, Redis included)', value: round(cpu(alt), 1), unit: cpuUnit(alt)},
    {figure, metric: 'CPU per op, cmm (nodes, orchestrator, Redis)', value: round(cpu(cmm), 1), unit: cpuUnit(cmm), ratio: round(cpu(cmm) / cpu(alt)), vs: 'redis-semaphore', target: '<= 1.0', met: cpu(cmm) / cpu(alt) <= 1},
    // Where a node's cached SH locks serve most accesses.
    {figure, metric: `read-mostly 95/5: redis-semaphore, ${NODES} client processes`, value: Math.round(altRead.opsPerSec), unit: 'ops/s'},
    {figure, metric: `read-mostly 95/5: cmm, ${NODES} node processes, page locks`, value: Math.round(cmmRead.opsPerSec), unit: 'ops/s', ratio: round(cmmRead.opsPerSec / altRead.opsPerSec), vs: 'redis-semaphore', target: '>= 5', met: cmmRead.opsPerSec / altRead.opsPerSec >= 5},
    {figure, metric: 'read-mostly 95/5: CPU per op, redis-semaphore', value: round(cpu(altRead), 1), unit: cpuUnit(altRead)},
    {figure, metric: 'read-mostly 95/5: CPU per op, cmm', value: round(cpu(cmmRead), 1), unit: cpuUnit(cmmRead), ratio: round(cpu(cmmRead) / cpu(altRead)), vs: 'redis-semaphore'},
  ]
}
