// Figure 6: what a user without cmm would write: every access takes a Redis mutex
// (redis-semaphore, default options), reads or writes the page's bytes in Redis, and releases.
// Same op streams as figure 5 (the workload's own generator, same seed), same node count, same
// Redis, and like cmm's nodes one process per client (bench/alt-client.ts).
import {spawn} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {nowUs} from '../src/util/clock.js'
import {round, type BenchContext, type BenchRow} from './figure.js'
import {mixYaml, runMix, type MixSpec} from './mix-runs.js'
import {measured, READ_MOSTLY_KEY, READ_MOSTLY_MIX, SECONDS, ZIPF_MIX} from './throughput.js'

const NODES = 4
/** Room for the client processes to start (node + ioredis load) before the common start time. */
const START_DELAY_US = 3_000_000
const CLIENT_TIMEOUT_MS = 60_000

function runClient(url: string, node: number, startUs: number, yaml: string): Promise<{ops: number; endUs: number}> {
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
      else resolve(JSON.parse(out) as {ops: number; endUs: number})
    })
  })
}

async function lockLibraryRun(ctx: BenchContext, mix: Pick<MixSpec, 'read' | 'write' | 'pages'>, seconds: number): Promise<number> {
  const yaml = mixYaml({...mix, nodes: NODES, seconds})
  const startUs = nowUs() + START_DELAY_US
  const results = await Promise.all(Array.from({length: NODES}, (_, k) => runClient(ctx.redisUrl, k, startUs, yaml)))
  const endUs = Math.max(...results.map((r) => r.endUs))
  return results.reduce((s, r) => s + r.ops, 0) / ((endUs - startUs) / 1e6)
}

export async function benchAlternative(ctx: BenchContext): Promise<BenchRow[]> {
  const figure = '6 against a Redis lock library'
  const alt = await lockLibraryRun(ctx, ZIPF_MIX, SECONDS)
  const cmm = measured.get(`page:${NODES}`) ?? (await runMix(ctx, {...ZIPF_MIX, nodes: NODES, seconds: SECONDS})).opsPerSec
  // Not the target's mix: shows what the comparison turns on (how many accesses a cached lock serves).
  const altRead = await lockLibraryRun(ctx, READ_MOSTLY_MIX, SECONDS)
  const cmmRead = (await runMix(ctx, {...READ_MOSTLY_MIX, nodes: NODES, seconds: SECONDS})).opsPerSec
  measured.set(READ_MOSTLY_KEY, cmmRead)
  return [
    {figure, metric: `redis-semaphore Mutex per op + GET/SET, ${NODES} client processes`, value: Math.round(alt), unit: 'ops/s'},
    {figure, metric: `cmm, ${NODES} node processes, page locks`, value: Math.round(cmm), unit: 'ops/s', ratio: round(cmm / alt), vs: 'redis-semaphore', target: '>= 5', met: cmm / alt >= 5},
    {figure, metric: `read-mostly 95/5: redis-semaphore, ${NODES} client processes`, value: Math.round(altRead), unit: 'ops/s'},
    {figure, metric: `read-mostly 95/5: cmm, ${NODES} node processes, page locks`, value: Math.round(cmmRead), unit: 'ops/s', ratio: round(cmmRead / altRead), vs: 'redis-semaphore'},
  ]
}
