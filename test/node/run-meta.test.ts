// `cmm node` reads its run from Redis, where anyone with access can write anything: a malformed
// or out-of-bounds meta is refused (exit 2, the field named) by the workload file's validator,
// and a run without a live orchestrator is not waited for forever.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {Redis} from 'ioredis'
import {startRedisServer, type RedisServer} from '../../src/redis/server.js'
import {keys} from '../../src/redis/keys.js'
import {META_FORMAT, settingsOf} from '../../src/records/run-meta.js'
import {writeMeta} from '../../src/redis/run-meta.js'
import {encodeMeta} from '../../src/node/run-meta.js'
import {parseWorkload} from '../../src/workload/parse.js'
import {runCli} from '../helpers/cli.js'

const WORKLOAD = parseWorkload('{name: m, cluster: {nodes: 2, pageSize: 512}, files: {a: {pages: 2}}, nodes: {all: [{write: a/0}]}}', 'm.yaml')

describe('cmm node and the run meta', () => {
  let server: RedisServer
  let redis: Redis
  let runs = 0

  beforeAll(async () => {
    server = await startRedisServer()
    redis = new Redis(server.url)
  })

  afterAll(async () => {
    redis?.disconnect()
    await server?.stop()
  })

  /** A run whose stored meta JSON went through `mutate` (or was replaced by the `text` it returns), with a live heartbeat (PX `aliveMs`). */
  async function craftRun(mutate: (meta: Record<string, any>) => unknown, aliveMs = 60_000): Promise<string> {
    const runId = `crafted-${++runs}`
    await writeMeta(redis, encodeMeta({format: META_FORMAT, runId, workload: WORKLOAD, settings: settingsOf(WORKLOAD), seed: 1, createdAt: new Date().toISOString(), breakVariant: null}))
    const meta = JSON.parse((await redis.hget(keys.meta(runId), 'meta'))!)
    const changed = mutate(meta) as {text?: string} | undefined
    await redis.hset(keys.meta(runId), 'meta', changed?.text ?? JSON.stringify(meta))
    if (aliveMs > 0) await redis.set(keys.alive(runId), '1', 'PX', aliveMs)
    return runId
  }

  const join = (runId: string) => runCli(['node', '--redis', server.url, '--run', runId, '--id', '0'])

  const cases: [string, (m: Record<string, any>) => unknown, RegExp][] = [
    ['garbage', () => ({text: '{not json'}), /meta \(cmm:\{crafted-\d+\}:meta\) is not JSON/],
    ['no workload', (m) => {
      delete m.workload
    }, /workload.*expected a workload map/],
    ['pageSize 2^31', (m) => {
      m.workload.cluster.pageSize = 2 ** 31
    }, /cluster\.pageSize \(a power of two 64\.\.65536\)/],
    ['pages -3', (m) => {
      m.workload.files.a.pages = -3
    }, /files\.a\.pages \(a whole number 1\.\.\d+\)/],
    ['a write to an undeclared page', (m) => {
      m.workload.nodes['0'] = [{write: 'zz/9'}]
    }, /a page like a\/0 of one of the files \(a\)/],
    ['unknown breakVariant', (m) => {
      m.breakVariant = 'foo'
    }, /breakVariant: expected null or a --break variant, found "foo"/],
    ['negative warmupUs', (m) => {
      m.warmupUs = -1
    }, /warmupUs: expected a whole number of µs 0\.\.3600000000, found -1/],
    ['a seed that is not a number', (m) => {
      m.seed = 'x'
    }, /seed: expected a whole number/],
  ]
  for (const [what, mutate, message] of cases) {
    it(`refuses a meta with ${what} (exit 2)`, async () => {
      const r = await join(await craftRun(mutate))
      expect(r.stderr).toMatch(message)
      expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1)
      expect(r.code).toBe(2)
    })
  }

  it('refuses a run without a live orchestrator at once', async () => {
    const r = await join(await craftRun(() => undefined, 0))
    expect(r.stderr).toMatch(/has no live orchestrator/)
    expect(r.code).toBe(2)
  })

  it('stops waiting for the start when the orchestrator goes away', async () => {
    const started = Date.now()
    const r = await join(await craftRun(() => undefined, 2500))
    expect(r.stderr).toMatch(/has no live orchestrator/)
    expect(r.code).toBe(2)
    expect(Date.now() - started).toBeLessThan(30_000)
  })
})
