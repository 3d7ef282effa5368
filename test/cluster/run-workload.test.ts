// `cmm run workload` end to end: real node processes, a private redis-server, a results folder.
import {existsSync, readFileSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {alive, runCli, startCli, tempDir, waitFor, writeTemp} from '../helpers/cli.js'
import {startTestRedis, stopTestRedis} from '../helpers/redis.js'

const PINGPONG_SMALL = `
name: pingpong-small
description: two nodes write one page in turn
cluster: { nodes: 2, granularity: page, states: shared, pageSize: 512 }
files: { a: { pages: 2 } }
nodes:
  "0": [ { repeat: 40, do: [ { write: a/0 }, { read: a/1 }, { sleep: 1ms } ] } ]
  "1": [ { repeat: 40, do: [ { write: a/0 }, { read: a/0 }, { sleep: 1ms } ] } ]
`

const LONG_MIX = `
name: long-mix
description: runs until interrupted
cluster: { nodes: 2, pageSize: 256 }
files: { a: { pages: 8 }, b: { pages: 8 } }
nodes:
  all: [ { mix: { duration: 60s, rate: 200, read: 60, write: 30, copy: 10 } } ]
`

// Each node spends most of its time in a 5 s sleep op: a graceful end waits for it.
const SLOW_OPS = `
name: slow-ops
cluster: { nodes: 2, pageSize: 256 }
files: { a: { pages: 2 } }
nodes:
  all: [ { repeat: 100, do: [ { write: a/0 }, { sleep: 5s } ] } ]
`

/** `cmm run workload` on `script`, once its nodes started: the process and the nodes' pids. */
async function started(script: string, flags: string[] = []) {
  const dir = tempDir()
  const file = writeTemp(dir, 'w.yaml', script)
  const out = join(dir, 'results')
  const cli = startCli(['run', 'workload', file, '--results', out, '--no-tui', ...flags])
  expect(await waitFor(() => /nodes started/.test(cli.output()), 20_000)).toBe(true)
  const pids = [...cli.output().matchAll(/pid (\d+)/g)].map((m) => Number(m[1]))
  return {cli, pids, out}
}

function runFolder(out: string): string {
  const runs = readdirSync(out).filter((d) => !d.startsWith('.'))
  expect(runs).toHaveLength(1)
  return join(out, runs[0]!)
}

describe('cmm run workload', () => {
  it('runs a workload to the end and writes a complete results folder', async () => {
    const dir = tempDir()
    const file = writeTemp(dir, 'pp.yaml', PINGPONG_SMALL)
    const out = join(dir, 'results')
    const res = await runCli(['run', 'workload', file, '--results', out, '--seed', '1', '--no-tui'])
    expect(res.stderr).toBe('')
    expect(res.code).toBe(0)
    expect(res.stdout).toMatch(/verdict: valid/)
    const run = runFolder(out)
    const summary = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8'))
    expect(summary.end).toBe('completed')
    expect(summary.ops).toBe(160)
    expect(summary.seed).toBe(1)
    expect(summary.cost.roundTripsPerFault).toBeGreaterThan(0)
    expect(summary.cost.callbacksPerOp).toBeGreaterThan(0)
    expect(summary.checks.valid).toBe(true)
    const history = readFileSync(join(run, 'history.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    expect(history).toHaveLength(320) // one invoke + one ok per access
    expect(history.every((e, i) => e.index === i)).toBe(true)
    for (const f of ['trace.jsonl', 'histograms/merged/op-write.hgrm', 'histograms/merged/op-write.histf', 'histograms/node-1/op-read.hgrm', 'nodes/node-0.log']) {
      expect(existsSync(join(run, f)), f).toBe(true)
    }
  })

  it('refuses a bad script before starting anything: file:line:column and exit 2', async () => {
    const dir = tempDir()
    const file = writeTemp(dir, 'bad.yaml', PINGPONG_SMALL.replace('{ read: a/1 }', '{ read: a/7 }'))
    const out = join(dir, 'results')
    const res = await runCli(['run', 'workload', file, '--results', out])
    expect(res.code).toBe(2)
    expect(res.stderr).toMatch(/bad\.yaml:7:\d+: .*a\/7/)
    expect(existsSync(out)).toBe(false)
  })

  it('refuses a bad flag value with exit 2', async () => {
    const res = await runCli(['run', 'workload', 'workloads/pingpong.yaml', '--hold-time', 'soon'])
    expect(res.code).toBe(2)
    expect(res.stderr).toMatch(/--hold-time/)
  })

  it('Ctrl-C stops the run cleanly: results written, exit 130, no process left', async () => {
    const dir = tempDir()
    const file = writeTemp(dir, 'long.yaml', LONG_MIX)
    const out = join(dir, 'results')
    const cli = startCli(['run', 'workload', file, '--results', out, '--no-tui'])
    expect(await waitFor(() => /nodes started/.test(cli.output()), 20_000)).toBe(true)
    const pids = [...cli.output().matchAll(/pid (\d+)/g)].map((m) => Number(m[1]))
    expect(pids).toHaveLength(2)
    await new Promise((r) => setTimeout(r, 500))
    cli.child.kill('SIGINT')
    const res = await cli.done
    expect(res.code).toBe(130)
    expect(await waitFor(() => pids.every((p) => !alive(p)), 5000)).toBe(true)
    const summary = JSON.parse(readFileSync(join(runFolder(out), 'run.json'), 'utf8'))
    expect(summary.end).toBe('interrupted')
    expect(summary.ops).toBeGreaterThan(0)
    // A graceful end: in-flight ops finished, every page written back, all five checks decided.
    expect(Object.keys(summary.checks.checks).sort()).toEqual(['coherence', 'deadlock', 'linearizable', 'liveness', 'no-lost-writes'])
    for (const [name, c] of Object.entries(summary.checks.checks)) expect([name, (c as {valid: unknown}).valid]).toEqual([name, true])
    expect(summary.checks.checks.liveness.summary).toMatch(/ended early/)
    expect(res.stdout).toMatch(/verdict: valid/)
  })

  it('a second Ctrl-C quits at once: exit 130, no process left, no stale live.json', async () => {
    const {cli, pids, out} = await started(SLOW_OPS, ['--liveness', '20s'])
    expect(existsSync(join(runFolder(out), 'live.json'))).toBe(true)
    cli.child.kill('SIGINT')
    expect(await waitFor(() => /interrupted: no new ops/.test(cli.output()), 5000)).toBe(true)
    cli.child.kill('SIGINT')
    const res = await cli.done
    expect(res.code).toBe(130)
    expect(res.stdout).not.toMatch(/verdict:/)
    expect(await waitFor(() => pids.every((p) => !alive(p)), 5000)).toBe(true)
    // It was left behind, for `cmm clean` to find.
    expect(existsSync(join(runFolder(out), 'live.json'))).toBe(false)
  })

  it('a SIGKILLed orchestrator leaves no node process and no redis-server behind', async () => {
    const {cli, pids} = await started(LONG_MIX)
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(cli.output())?.[1])
    cli.child.kill('SIGKILL')
    await cli.done
    expect(await waitFor(() => pids.every((p) => !alive(p)), 5000)).toBe(true)
    const {execSync} = await import('node:child_process')
    const stillThere = () => execSync('ps -eo args').toString().split('\n').some((l) => l.includes(`redis-server 127.0.0.1:${port}`))
    expect(await waitFor(() => !stillThere(), 5000)).toBe(true)
  })

  it('--external-nodes: nodes started by hand with `cmm node` join through Redis alone; the shared Redis is left clean', async () => {
    const t = await startTestRedis()
    try {
      const dir = tempDir()
      const file = writeTemp(dir, 'pp.yaml', PINGPONG_SMALL)
      const out = join(dir, 'results')
      const orchestrator = startCli(['run', 'workload', file, '--results', out, '--redis', t.server.url, '--external-nodes', '--no-tui'])
      expect(await waitFor(() => /--run (\S+)/.test(orchestrator.output()), 20_000)).toBe(true)
      const runId = /--run (\S+)/.exec(orchestrator.output())![1]!
      const nodes = [0, 1].map((k) => runCli(['node', '--redis', t.server.url, '--run', runId, '--id', String(k)]))
      const res = await orchestrator.done
      expect(res.code).toBe(0)
      expect((await Promise.all(nodes)).map((r) => r.code)).toEqual([0, 0])
      expect(JSON.parse(readFileSync(join(out, runId, 'run.json'), 'utf8')).ops).toBe(160)
      expect(await t.redis.dbsize()).toBe(0)
      const bad = await runCli(['node', '--redis', t.server.url, '--run', 'no-such-run', '--id', '0'])
      expect(bad.code).toBe(2) // no such run: the user's input, like `cmm chaos`'s
      expect(bad.stderr).toMatch(/no run no-such-run/)
    } finally {
      await stopTestRedis(t)
    }
  })

  // README: a node on another host opts in with `cmm node ... --network-faults`, and `cmm chaos
  // partition` / `delay` then reach it (cmm node --help says so). They were refused with "node 1 is
  // not running": the supervisor only knew the processes it spawned itself.
  it('--external-nodes --network-faults: cmm chaos partition and delay reach a node joined with cmm node --network-faults', async () => {
    const t = await startTestRedis()
    try {
      const dir = tempDir()
      const file = writeTemp(dir, 'mix.yaml', 'name: ext-net\ncluster: {nodes: 2, pageSize: 256}\nfiles: {a: {pages: 2}}\nnodes:\n  all: [{mix: {duration: 3s, rate: 100, read: 50, write: 50}}]\n')
      const out = join(dir, 'results')
      const orchestrator = startCli(['run', 'workload', file, '--results', out, '--redis', t.server.url, '--external-nodes', '--network-faults', '--no-tui'])
      expect(await waitFor(() => /--run (\S+)/.test(orchestrator.output()), 20_000)).toBe(true)
      const runId = /--run (\S+)/.exec(orchestrator.output())![1]!
      // The join line it prints says how to join within reach of the faults.
      expect(orchestrator.output()).toContain(`--run ${runId} --id K --network-faults`)
      const nodes = [0, 1].map((k) => runCli(['node', '--redis', t.server.url, '--run', runId, '--id', String(k), '--network-faults']))
      expect(await waitFor(() => /ops [1-9]/.test(orchestrator.output()), 20_000)).toBe(true)
      const delay = await runCli(['chaos', 'delay', '1', '2ms', '--for', '300ms', '--results', out])
      expect(delay.stderr).toBe('')
      expect(delay.code).toBe(0)
      const partition = await runCli(['chaos', 'partition', '0', '--for', '200ms', '--results', out])
      expect(partition.stderr).toBe('')
      expect(partition.code).toBe(0)
      expect((await orchestrator.done).code).toBe(0)
      expect((await Promise.all(nodes)).map((r) => r.code)).toEqual([0, 0])
      const events = readFileSync(join(out, runId, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as {type: string; node: number})
      expect(events.filter((e) => e.type === 'delay' || e.type === 'partition').map((e) => [e.type, e.node])).toEqual([['delay', 1], ['partition', 0]])
    } finally {
      await stopTestRedis(t)
    }
  }, 60_000)
})
