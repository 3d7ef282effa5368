// Redis killed in the middle of a run: the run says so (address, what the nodes were doing),
// ends `failed` (exit 4) and still writes its results folder with what was collected.
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {startRedisServer} from '../../src/redis/server.js'
import {alive, startCli, tempDir, waitFor, writeTemp} from '../helpers/cli.js'

const WORKLOAD = '{name: doomed, cluster: {nodes: 2, pageSize: 512}, files: {a: {pages: 4}}, nodes: {all: [{mix: {duration: 60s, rate: 200, read: 50, write: 50}}]}}\n'

describe('a Redis killed during a run', () => {
  it('ends the run failed, says Redis went away, and writes run.json with what was collected', async () => {
    const server = await startRedisServer()
    const dir = tempDir()
    const out = join(dir, 'results')
    const cli = startCli(['run', 'workload', writeTemp(dir, 'w.yaml', WORKLOAD), '--redis', server.url, '--out', out, '--no-tui'])
    try {
      // Some ops done (a progress line with ops > 0), then the server dies.
      expect(await waitFor(() => /ops [1-9]\d*/.test(cli.output()), 30_000), cli.output()).toBe(true)
      const pids = [...cli.output().matchAll(/\d+:pid (\d+)/g)].map((m) => Number(m[1]))
      await server.kill()
      const killer = setTimeout(() => cli.child.kill('SIGKILL'), 60_000)
      const r = await cli.done
      clearTimeout(killer)
      expect(r.signal).toBeNull()
      expect(r.code).toBe(4)
      const said = new RegExp(`Redis at redis://127\\.0\\.0\\.1:${server.port} went away \\(.+\\) [\\d.]+ s into the run; node 0: \\d+ ops.*; node 1: \\d+ ops`)
      expect(r.stdout + r.stderr).toMatch(said)
      expect(r.stdout + r.stderr).not.toMatch(/max retries per request/)
      const [run] = readdirSync(out)
      const summary = JSON.parse(readFileSync(join(out, run!, 'run.json'), 'utf8'))
      expect(summary.end).toBe('failed')
      expect(summary.errors[0].message).toMatch(said)
      expect(summary.ops).toBeGreaterThan(0)
      const history = readFileSync(join(out, run!, 'history.jsonl'), 'utf8').trim().split('\n')
      expect(history.length).toBeGreaterThan(1)
      expect(existsSync(join(out, run!, 'live.json'))).toBe(false)
      expect(pids).toHaveLength(2)
      expect(await waitFor(() => pids.every((pid) => !alive(pid)), 10_000)).toBe(true)
    } finally {
      cli.child.kill('SIGKILL')
      await server.stop()
    }
  })
})
