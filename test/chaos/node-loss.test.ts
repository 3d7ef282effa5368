// Node loss with real node processes and a real Redis (issue 4): a killed EX holder, a node
// paused past its lease, `cmm chaos kill-node` on a live run. Leases are shortened (500 ms) so
// each test takes a few seconds; nothing here asserts on timings.
import {existsSync, readFileSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {runCli, startCli, tempDir, waitFor, writeTemp} from '../helpers/cli.js'
import {startTestRedis, stopTestRedis} from '../helpers/redis.js'

interface Event {
  type: string
  [field: string]: unknown
}

function runFolder(out: string): string {
  const runs = readdirSync(out).filter((d) => !d.startsWith('.'))
  expect(runs).toHaveLength(1)
  return join(out, runs[0]!)
}

/** Runs a workload with a 500 ms lease and returns the exit status and the stored run. */
async function runWithLease(file: string, out: string): Promise<{code: number | null; stderr: string; run: string; summary: ReturnType<typeof JSON.parse>}> {
  const res = await runCli(['run', 'workload', file, '--results', out, '--seed', '1', '--no-tui', '--lease-ttl', '500ms', '--json'])
  const run = runFolder(out)
  return {code: res.code, stderr: res.stderr, run, summary: JSON.parse(readFileSync(join(run, 'run.json'), 'utf8'))}
}

function readJsonl<T>(file: string): T[] {
  return readFileSync(file, 'utf8').trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as T)
}

// Node 1 keeps page a/0 EX and dirty (nobody asks for it) until it is killed; node 0 reads the
// page only after node 1's death: it must get the lock (purge) and see what the disk has.
const KILL_EX_HOLDER = `
name: kill-ex-holder
description: the EX holder of a dirty page is SIGKILLed
cluster: { nodes: 2, granularity: page, pageSize: 256 }
files: { a: { pages: 2 } }
nodes:
  "0": [ { write: a/1 }, { sleep: 1500ms }, { repeat: 20, do: [ { read: a/0 }, { write: a/1 } ] } ]
  "1": [ { repeat: 3000, do: [ { write: a/0 }, { sleep: 1ms } ] } ]
chaos:
  - { at: 400ms, kill: 1 }
`

// Node 0 holds a/0 EX and dirty when it is paused; node 1 then asks for the page, so a release
// callback waits in node 0's inbox. Past the lease node 0 is declared dead and purged; when it
// wakes it answers the callback with a write-back that fencing must refuse, finds its lease
// gone, and rejoins as a new incarnation.
const PAUSE_PAST_LEASE = `
name: pause-past-lease
description: an EX holder is paused past its lease, then resumed
cluster: { nodes: 2, granularity: page, pageSize: 256 }
files: { a: { pages: 1 } }
nodes:
  "0": [ { repeat: 400, do: [ { write: a/0 }, { sleep: 1ms } ] } ]
  "1": [ { sleep: 600ms }, { repeat: 40, do: [ { read: a/0 }, { sleep: 5ms } ] } ]
chaos:
  - { at: 200ms, pause: 0, for: 1500ms }
`

describe('node loss (real processes, lease 500 ms)', () => {
  it('SIGKILL of an EX holder with dirty pages: the survivor gets the page, the lost writes are info, checks pass', async () => {
    const dir = tempDir()
    const out = join(dir, 'results')
    const res = await runWithLease(writeTemp(dir, 'k.yaml', KILL_EX_HOLDER), out)
    expect(res.stderr).toBe('')
    expect(res.code).toBe(0)
    const {run, summary} = res
    expect(summary.end).toBe('completed')
    expect(summary.checks.valid).toBe(true)
    expect(summary.faults).toMatchObject({kills: 1, deaths: 1, restarts: 0, deadProcesses: [1]})
    const events = readJsonl<Event>(join(run, 'events.jsonl'))
    expect(events.map((e) => e.type)).toEqual(['kill', 'death-detected', 'locks-regranted'])
    expect(events[2]).toMatchObject({node: 1, proc: 1, heldEx: 1})
    expect(existsSync(join(run, 'live.json'))).toBe(false)
    const history = readJsonl<{process: number; type: string; f: string; key: string; value: string | null}>(join(run, 'history.jsonl'))
    // The dead process's completed ops became info; the survivor's reads of a/0 all came after the
    // purge and saw the disk, where none of node 1's writes ever arrived (never written back).
    expect(history.filter((e) => e.process === 1 && e.type === 'ok')).toEqual([])
    expect(history.filter((e) => e.process === 1 && e.type === 'info').length).toBeGreaterThan(0)
    const survivorReads = history.filter((e) => e.process === 0 && e.type === 'ok' && e.f === 'read')
    expect(survivorReads).toHaveLength(20)
    for (const r of survivorReads) expect(r.value).toBeNull()
  })

  it('a node paused past its lease wakes fenced (any write-back refused), rejoins as a new incarnation, checks pass', async () => {
    const dir = tempDir()
    const out = join(dir, 'results')
    const res = await runWithLease(writeTemp(dir, 'p.yaml', PAUSE_PAST_LEASE), out)
    expect(res.stderr).toBe('')
    expect(res.code).toBe(0)
    const {run, summary} = res
    expect(summary.checks.valid).toBe(true)
    const events = readJsonl<Event>(join(run, 'events.jsonl'))
    const types = events.map((e) => e.type)
    for (const t of ['pause', 'death-detected', 'locks-regranted', 'resume', 'lease-lost', 'node-restarted']) expect(types, t).toContain(t)
    expect(types.indexOf('death-detected')).toBeLessThan(types.indexOf('resume'))
    expect(types.indexOf('resume')).toBeLessThan(types.indexOf('lease-lost'))
    // On waking, the node answers node 1's release callback (a write-back, refused by fencing)
    // or learns from its lease renewal that it is dead first (then it writes nothing): a race
    // between two replies. Either way nothing it wrote back was accepted: the checks pass.
    const refused = events.filter((e) => e.type === 'writeback-refused')
    for (const r of refused) expect(r).toMatchObject({node: 0, proc: 0, unit: 'a/0'})
    expect(summary.faults.fencedWritebacks).toBe(refused.length)
    // The new incarnation is a new process (0 + 1 * nodes) in the history.
    expect(events.find((e) => e.type === 'node-restarted')).toMatchObject({node: 0, proc: 2, incarnation: 1})
    const history = readJsonl<{process: number; type: string}>(join(run, 'history.jsonl'))
    expect(history.some((e) => e.process === 2 && e.type === 'ok')).toBe(true)
    expect(history.some((e) => e.process === 0 && e.type === 'ok')).toBe(false)
  })

  it('cmm chaos kill-node acts on a live run from another terminal; bad run ids and nodes exit 2', async () => {
    const dir = tempDir()
    const out = join(dir, 'results')
    const file = writeTemp(dir, 'live.yaml', `
name: live
description: long enough to be hit from another terminal
cluster: { nodes: 2, pageSize: 256 }
files: { a: { pages: 4 } }
nodes:
  all: [ { mix: { duration: 60s, rate: 200, read: 60, write: 40 } } ]
`)
    const noRun = await runCli(['chaos', 'kill-node', '1', '--results', out])
    expect(noRun.code).toBe(2)
    expect(noRun.stderr).toMatch(/no live run in/)
    const cli = startCli(['run', 'workload', file, '--results', out, '--no-tui', '--lease-ttl', '500ms'])
    expect(await waitFor(() => /nodes started/.test(cli.output()), 20_000)).toBe(true)
    const ok = await runCli(['chaos', 'kill-node', '1', '--results', out, '--restart-after', '200ms'])
    expect(ok.stderr).toBe('')
    expect(ok.code).toBe(0)
    expect(ok.stdout).toMatch(/: killed node 1 \(process 1, pid \d+\), restart after 200 ms/)
    const badRun = await runCli(['chaos', 'kill-node', '1', '--results', out, '--run', 'no-such-run'])
    expect(badRun.code).toBe(2)
    expect(badRun.stderr).toMatch(/no live run no-such-run/)
    const badNode = await runCli(['chaos', 'kill-node', '7', '--results', out])
    expect(badNode.code).toBe(2)
    expect(badNode.stderr).toMatch(/has no node 7 \(nodes 0\.\.1\)/)
    // Another Redis than the run's: it said the live run "has ended", naming the run's own URL.
    const other = await startTestRedis()
    try {
      const wrongRedis = await runCli(['chaos', 'kill-node', '1', '--results', out, '--redis', other.server.url])
      expect(wrongRedis.code).toBe(2)
      expect(wrongRedis.stderr).toMatch(/is not live in redis:\/\/\S+ \(--redis\), and its live\.json names redis:\/\/127\.0\.0\.1:\d+: is --redis that run's Redis\?/)
    } finally {
      await stopTestRedis(other)
    }
    // The run is long: stop it (Ctrl-C) once the restart happened; results are still written.
    const run = runFolder(out)
    expect(await waitFor(() => existsSync(join(run, 'events.jsonl')) && readFileSync(join(run, 'events.jsonl'), 'utf8').includes('node-restarted'), 20_000)).toBe(true)
    cli.child.kill('SIGINT')
    const res = await cli.done
    expect(res.code).toBe(130)
    const events = readJsonl<Event>(join(run, 'events.jsonl'))
    expect(events.find((e) => e.type === 'kill')).toMatchObject({node: 1, proc: 1})
    expect(String(events.find((e) => e.type === 'kill')?.from)).toMatch(/cmm chaos/)
    expect(events.find((e) => e.type === 'node-restarted')).toMatchObject({node: 1, proc: 3, incarnation: 1})
    expect(existsSync(join(run, 'live.json'))).toBe(false)
    const after = await runCli(['chaos', 'kill-node', '0', '--results', out])
    expect(after.code).toBe(2)
  })

  // A Redis restart (state lost, or kept by an AOF): test/redis-faults/restart.test.ts.

  it('fault points: kill the node queued for a page, then the holder answering a callback; checks pass', async () => {
    const dir = tempDir()
    const out = join(dir, 'results')
    // holdTime 2s keeps node 0's EX hold (and its pending release callback) past the lease: node 1
    // is still queued when it is killed and purged; node 0 is killed while it owes a write-back.
    const file = writeTemp(dir, 'fp.yaml', `
name: fault-points
description: kills at fault points
cluster: { nodes: 3, granularity: page, pageSize: 256, holdTime: 2s }
files: { a: { pages: 2 } }
nodes:
  "0": [ { repeat: 200, do: [ { write: a/0 }, { sleep: 2ms } ] } ]
  "1": [ { sleep: 30ms }, { write: a/0 } ]
  "2": [ { sleep: 300ms }, { repeat: 3, do: [ { read: a/0 } ] } ]
chaos:
  - { at: 100ms, kill: holder-of a/0, when: waiting }
  - { at: 900ms, kill: holder-of a/0, when: writing-back }
`)
    const res = await runWithLease(file, out)
    expect(res.stderr).toBe('')
    expect(res.code).toBe(0)
    const {run, summary} = res
    expect(summary.checks.valid).toBe(true)
    const events = readJsonl<Event>(join(run, 'events.jsonl'))
    const kills = events.filter((e) => e.type === 'kill')
    expect(kills.map((k) => String(k.from).replace(/ on .*/, ''))).toEqual(['schedule: waiting', 'schedule: writing-back'])
    const waiterProc = kills[0]!.proc
    expect(waiterProc).toBe(1)
    expect(events.find((e) => e.type === 'locks-regranted' && e.proc === 1)).toMatchObject({waiting: 1, heldEx: 0})
    expect(kills[1]).toMatchObject({proc: 0})
    expect(events.find((e) => e.type === 'locks-regranted' && e.proc === 0)).toMatchObject({heldEx: 1})
    // Node 0's writes were never written back (its callback was pending): node 2 reads the disk.
    const history = readJsonl<{process: number; type: string; f: string; value: string | null}>(join(run, 'history.jsonl'))
    const reads = history.filter((e) => e.process === 2 && e.type === 'ok' && e.f === 'read')
    expect(reads.map((e) => e.value)).toEqual([null, null, null])
    expect(events.filter((e) => e.type === 'chaos-missed')).toEqual([])
  })
})
