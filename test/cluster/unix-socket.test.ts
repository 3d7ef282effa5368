// `--redis /path/redis.sock`: a Redis on a Unix socket (no TCP at all) serves a whole run; on one
// host it is the cheaper transport (BENCHMARKS.md: ~8 % more ops/s on the 4-node zipf mix).
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {Redis} from 'ioredis'
import {startRedisServer, type RedisServer} from '../../src/redis/server.js'
import {runCli, tempDir, writeTemp} from '../helpers/cli.js'

const WORKLOAD = '{name: unix, cluster: {nodes: 2, pageSize: 512}, files: {a: {pages: 2}}, nodes: {all: [{mix: {ops: 100, read: 50, write: 50, pages: uniform}}]}}\n'

describe('--redis with a Unix socket path', () => {
  let server: RedisServer

  beforeAll(async () => {
    // No TCP listener (port 0), so the run can only have used the socket.
    server = await startRedisServer({unixSocket: true})
    expect(server.port).toBe(0)
  })

  afterAll(async () => {
    await server?.stop()
  })

  it('runs a workload through it and leaves the server clean', async () => {
    const dir = tempDir()
    const file = writeTemp(dir, 'unix.yaml', WORKLOAD)
    const out = join(dir, 'results')
    const r = await runCli(['run', 'workload', file, '--redis', server.url, '--results', out, '--seed', '3', '--no-tui'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^verdict: valid/m)
    const [run] = readdirSync(out)
    expect(JSON.parse(readFileSync(join(out, run!, 'run.json'), 'utf8')).end).toBe('completed')
    const redis = new Redis(server.url)
    try {
      expect(await redis.keys('cmm:*')).toEqual([])
    } finally {
      redis.disconnect()
    }
  })

  it('an unreachable --redis fails in one line that names the address and the connection error', async () => {
    const dir = tempDir()
    const missing = join(dir, 'no-such.sock')
    const r = await runCli(['run', 'workload', writeTemp(dir, 'unix.yaml', WORKLOAD), '--redis', missing, '--results', join(dir, 'results'), '--no-tui'])
    expect(r.code).toBe(4)
    expect(r.stderr.trim()).toBe(`cmm: run failed: cannot reach Redis at ${missing}: connect ENOENT ${missing}`)
  })
})
