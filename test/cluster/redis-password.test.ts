// A Redis password given in the URL (or CMM_REDIS_URL) must appear nowhere a local user or a
// later reader could see it: stdout/stderr, the run folder (run.json, live.json), node logs,
// and `ps` (argv of the orchestrator's children) while the run is live.
import {execFileSync} from 'node:child_process'
import {readdirSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {Redis} from 'ioredis'
import {startRedisServer, type RedisServer} from '../../src/redis/server.js'
import {runCli, startCli, tempDir, waitFor, writeTemp} from '../helpers/cli.js'

const PASSWORD = 'Pw-s3cret-4242'
// Long enough (a duration mix) that `ps` and the run folder are read while the nodes run.
const WORKLOAD = '{name: secret, cluster: {nodes: 2, pageSize: 512}, files: {a: {pages: 2}}, nodes: {all: [{mix: {duration: 2s, rate: 100, read: 50, write: 50, pages: uniform}}]}}\n'

/** Every file below `dir` whose text contains `needle`. */
function filesContaining(dir: string, needle: string): string[] {
  const found: string[] = []
  for (const name of readdirSync(dir, {recursive: true}) as string[]) {
    const path = join(dir, name)
    if (statSync(path).isFile() && readFileSync(path, 'latin1').includes(needle)) found.push(path)
  }
  return found
}

/** `pid args` of every process below `root` (children, grandchildren, ...), not `root` itself. */
function descendants(root: number): string[] {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid=,args=', '-ww'], {encoding: 'utf8'}).split('\n').map((line) => line.trim().split(/\s+/))
  const below = new Set([root])
  for (let grew = true; grew; ) {
    grew = false
    for (const [pid, ppid] of rows) {
      if (!below.has(Number(ppid)) || below.has(Number(pid))) continue
      below.add(Number(pid))
      grew = true
    }
  }
  below.delete(root)
  return rows.filter(([pid]) => below.has(Number(pid))).map(([pid, , ...args]) => `${pid} ${args.join(' ')}`)
}

describe('a Redis password', () => {
  let server: RedisServer
  let url: string

  beforeAll(async () => {
    server = await startRedisServer()
    const admin = new Redis(server.url)
    await admin.config('SET', 'requirepass', PASSWORD)
    admin.disconnect()
    url = server.url.replace('redis://', `redis://:${PASSWORD}@`)
  })

  afterAll(async () => {
    await server?.stop()
  })

  it('is in no output, run file, node log or process argument during and after a run', async () => {
    const dir = tempDir()
    const out = join(dir, 'results')
    const cli = startCli(['run', 'workload', writeTemp(dir, 'w.yaml', WORKLOAD), '--redis', url, '--out', out, '--no-tui', '--seed', '1'])
    expect(await waitFor(() => /nodes started/.test(cli.output()), 30_000), cli.output()).toBe(true)
    const [run] = readdirSync(out)
    expect(await waitFor(() => readdirSync(join(out, run!)).includes('live.json'), 10_000)).toBe(true)
    // The orchestrator's own argv has what the user typed (CMM_REDIS_URL avoids that); its children's must not.
    // Only its descendants: another checkout running this test at the same time has an orchestrator of its own.
    const ps = descendants(cli.child.pid!)
    expect(ps.filter((line) => line.includes(' --run ' + run)).length).toBe(2) // the nodes are there...
    expect(ps.filter((line) => line.includes(PASSWORD))).toEqual([]) // ...without the password
    expect(filesContaining(out, PASSWORD)).toEqual([])
    const r = await cli.done
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain(`redis://:***@127.0.0.1:${server.port}`)
    expect(r.stdout + r.stderr).not.toContain(PASSWORD)
    expect(filesContaining(out, PASSWORD)).toEqual([])
    const summary = JSON.parse(readFileSync(join(out, run!, 'run.json'), 'utf8'))
    expect(summary.redis.url).toBe(`redis://:***@127.0.0.1:${server.port}`)
    expect(readdirSync(join(out, run!, 'nodes')).length).toBeGreaterThan(0)
  })

  it('is taken from CMM_REDIS_URL', async () => {
    const dir = tempDir()
    const out = join(dir, 'results')
    const r = await runCli(['run', 'workload', writeTemp(dir, 'w.yaml', WORKLOAD.replace('duration: 2s', 'ops: 20')), '--out', out, '--no-tui'], undefined, {CMM_REDIS_URL: url})
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain(`redis: redis://:***@127.0.0.1:${server.port}`)
    expect(r.stdout + r.stderr).not.toContain(PASSWORD)
  })

  it('a wrong one is refused without echoing it', async () => {
    const dir = tempDir()
    const wrong = 'Wrong-pw-777'
    const r = await runCli(['run', 'workload', writeTemp(dir, 'w.yaml', WORKLOAD), '--redis', server.url.replace('redis://', `redis://:${wrong}@`), '--out', join(dir, 'results'), '--no-tui'])
    expect(r.code).toBe(4)
    expect(r.stderr).toMatch(/cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+: WRONGPASS/)
    expect(r.stdout + r.stderr).not.toContain(wrong)
  })

  it('given to a Redis without one is not echoed back (Redis quotes the AUTH argument)', async () => {
    const open = await startRedisServer()
    try {
      const dir = tempDir()
      const extra = 'Unneeded-pw-555'
      const r = await runCli(['run', 'workload', writeTemp(dir, 'w.yaml', WORKLOAD), '--redis', open.url.replace('redis://', `redis://:${extra}@`), '--out', join(dir, 'results'), '--no-tui'])
      expect(r.stdout + r.stderr, r.stdout + r.stderr).not.toContain(extra)
    } finally {
      await open.stop()
    }
  })
})
