// `--redis /path/redis.sock`: a Redis on a Unix socket (no TCP at all) serves a whole run; on one
// host it is the cheaper transport (BENCHMARKS.md: ~8 % more ops/s on the 4-node zipf mix).
import {spawn, type ChildProcess} from 'node:child_process'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {Redis} from 'ioredis'
import {runCli, tempDir, waitFor, writeTemp} from '../helpers/cli.js'

const WORKLOAD = '{name: unix, cluster: {nodes: 2, pageSize: 512}, files: {a: {pages: 2}}, nodes: {all: [{mix: {ops: 100, read: 50, write: 50, pages: uniform}}]}}\n'

describe('--redis with a Unix socket path', () => {
  const dir = tempDir()
  const socket = join(dir, 'redis.sock')
  let server: ChildProcess

  beforeAll(async () => {
    // --port 0: no TCP listener, so the run can only have used the socket.
    server = spawn('redis-server', ['--port', '0', '--unixsocket', socket, '--unixsocketperm', '700', '--save', '', '--appendonly', 'no', '--dir', dir], {stdio: 'ignore'})
    expect(await waitFor(() => existsSync(socket), 10_000)).toBe(true)
  })

  afterAll(() => {
    server?.kill('SIGKILL')
  })

  it('runs a workload through it and leaves the server clean', async () => {
    const file = writeTemp(dir, 'unix.yaml', WORKLOAD)
    const out = join(dir, 'results')
    const r = await runCli(['run', 'workload', file, '--redis', socket, '--out', out, '--seed', '3', '--no-tui'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^verdict: valid/m)
    const [run] = readdirSync(out)
    expect(JSON.parse(readFileSync(join(out, run!, 'run.json'), 'utf8')).end).toBe('completed')
    const redis = new Redis(socket)
    try {
      expect(await redis.keys('cmm:*')).toEqual([])
    } finally {
      redis.disconnect()
    }
  })
})
