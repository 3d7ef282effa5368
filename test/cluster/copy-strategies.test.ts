// Copy strategies end to end (real node processes, private redis-server): naive copies in
// opposite directions deadlock and the manager names the cycle; ordered and retry never do and
// keep every page correct; abort stops at the first cycle; a cycle nobody breaks still ends at
// the liveness bound with what each node waits for.
import {readFileSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {untilFired} from '../check/break-cases.js'
import {runCli, tempDir, writeTemp} from '../helpers/cli.js'

const BOTH_WAYS = `
name: both-ways-small
description: two nodes copy a->b and b->a
cluster: { nodes: 2, granularity: page, pageSize: 256 }
files: { a: { pages: 4 }, b: { pages: 4 } }
nodes:
  "0": [ { repeat: 40, do: [ { write: a/0 }, { copy: { from: a/0, to: b/0, pages: 4 } } ] } ]
  "1": [ { repeat: 40, do: [ { write: b/0 }, { copy: { from: b/0, to: a/0, pages: 4 } } ] } ]
`

/** Three nodes copying round a ring, `rounds` times each. */
const ring = (rounds: number): string => `
name: ring-small
description: three nodes copy a->b, b->c, c->a
cluster: { nodes: 3, granularity: page, pageSize: 256 }
files: { a: { pages: 4 }, b: { pages: 4 }, c: { pages: 4 } }
nodes:
  "0": [ { repeat: ${rounds}, do: [ { write: a/0 }, { copy: { from: a/0, to: b/0, pages: 4 } } ] } ]
  "1": [ { repeat: ${rounds}, do: [ { write: b/0 }, { copy: { from: b/0, to: c/0, pages: 4 } } ] } ]
  "2": [ { repeat: ${rounds}, do: [ { write: c/0 }, { copy: { from: c/0, to: a/0, pages: 4 } } ] } ]
`

interface Summary {
  end: string
  ops: number
  copies: {strategy: string; retries: number; opsFailed: number}
  deadlocks: {count: number; broken: number; cycles: {id: number; text: string; victim: number}[]}
  checks: {valid: boolean | string; checks: Record<string, {valid: boolean | string; summary: string}>}
}

function runDirs(out: string): string[] {
  return readdirSync(out).filter((d) => !d.startsWith('.')).sort().map((d) => join(out, d))
}

function events(dir: string): Record<string, unknown>[] {
  return readFileSync(join(dir, 'events.jsonl'), 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>)
}

async function compare(yaml: string, strategies = 'naive,ordered,retry', extra: string[] = [], seed = 3): Promise<{code: number | null; runs: Summary[]; dirs: string[]}> {
  const dir = tempDir()
  const file = writeTemp(dir, 'w.yaml', yaml)
  const out = join(dir, 'results')
  const res = await runCli(['run', 'workload', file, '--results', out, '--seed', String(seed), '--copy-strategy', strategies, '--json', '--liveness', '20s', ...extra])
  expect(res.stderr).toBe('')
  // One strategy prints its run's summary; several print {runs: [...]}.
  const json = JSON.parse(res.stdout) as {runs: Summary[]} | Summary
  const runs = 'runs' in json ? json.runs : [json]
  return {code: res.code, runs, dirs: runDirs(out)}
}

function expectSafe(s: Summary): void {
  expect(s.end).toBe('completed')
  expect(s.deadlocks.count).toBe(0)
  expect(s.copies.opsFailed).toBe(0)
  expect(s.checks.checks.deadlock?.valid).toBe(true)
  // Page contents: every value read (copied) was really written to the page it was read from.
  expect(s.checks.checks.linearizable?.valid).toBe(true)
  expect(s.checks.valid).toBe(true)
}

describe('copy strategies', () => {
  it('two nodes copying both ways: naive deadlocks (cycle named, broken, counted), ordered and retry do not', async () => {
    // Whether the two copies interleave into a cycle is up to the scheduler: rerun the naive one
    // (seeds 1..FIRE_ATTEMPTS) until a run formed one; a run without a cycle proves nothing.
    const naiveRun = await untilFired('naive copies both ways (a deadlock)', (seed) => compare(BOTH_WAYS, 'naive', [], seed), (r) => r.runs[0]?.deadlocks.count)
    const {code: safeCode, runs: safe} = await compare(BOTH_WAYS, 'ordered,retry')
    const dirs = naiveRun.dirs
    expect(safe.map((r) => r.copies.strategy)).toEqual(['ordered', 'retry'])
    const naive = naiveRun.runs[0]!
    const [ordered, retry] = safe as [Summary, Summary]
    expect(naive.copies.strategy).toBe('naive')
    expect(naive.deadlocks.count).toBeGreaterThan(0)
    for (const c of naive.deadlocks.cycles) {
      expect(c.text).toMatch(/^node 0 holds b\/\d \(EX\) and waits for a\/\d \((SH|EX)\) held by node 1, which holds a\/\d \(EX\) and waits for b\/\d \((SH|EX)\) held by node 0$/)
    }
    // Each deadlock broken by failing one op (the youngest waiter's); the run goes on to the end.
    expect(naive.end).toBe('completed')
    expect(naive.deadlocks.broken).toBe(naive.deadlocks.count)
    expect(naive.copies.opsFailed).toBe(naive.deadlocks.count)
    expect(naive.ops).toBe(160)
    expect(naive.checks.checks.deadlock?.valid).toBe(false)
    expect(naive.checks.checks.deadlock?.summary).toMatch(/expected with naive copies/)
    expect(naive.checks.checks.linearizable?.valid).toBe(true)
    const first = events(dirs[0]!).find((e) => e.type === 'deadlock') as {ops: Record<string, string>; cycle: unknown[]} | undefined
    expect(first?.cycle).toHaveLength(2)
    expect(first?.ops).toEqual({'0': 'copy a/0 -> b/0 (4 pages)', '1': 'copy b/0 -> a/0 (4 pages)'})
    expectSafe(ordered)
    expectSafe(retry)
    expect(naiveRun.code).toBe(1) // the naive run's deadlock check is invalid
    expect(safeCode).toBe(0)
  }, 240_000)

  it('three nodes in a ring: naive finds cycles of three, ordered and retry none', async () => {
    // A cycle of three needs three copies to interleave just so: how many rounds that takes
    // depends on timing. So naive runs until its first cycle (abort stops it there); the rounds
    // are only the bound, and a run that completes them all without a cycle fails here.
    const [naive] = (await compare(ring(5000), 'naive', ['--on-deadlock', 'abort'])).runs as [Summary]
    expect(naive.end, `no cycle in 5000 rounds (${naive.ops} ops)`).toBe('deadlocked')
    expect(naive.deadlocks.cycles).toHaveLength(1)
    for (const c of naive.deadlocks.cycles) {
      expect(c.text).toMatch(
        /^node 0 holds b\/\d \(EX\) and waits for a\/\d \(SH\) held by node 2, which holds a\/\d \(EX\) and waits for c\/\d \(SH\) held by node 1, which holds c\/\d \(EX\) and waits for b\/\d \(SH\) held by node 0$/,
      )
    }
    const [ordered, retry] = (await compare(ring(200), 'ordered,retry')).runs as [Summary, Summary]
    expectSafe(ordered)
    expectSafe(retry)
  }, 120_000)

  it('--on-deadlock abort stops at the first cycle, prints it and exits 1', async () => {
    const dir = tempDir()
    const file = writeTemp(dir, 'w.yaml', BOTH_WAYS.replace(/repeat: 40/g, 'repeat: 400'))
    const out = join(dir, 'results')
    const res = await runCli(['run', 'workload', file, '--results', out, '--copy-strategy', 'naive', '--on-deadlock', 'abort', '--no-tui'])
    expect(res.code).toBe(1)
    expect(res.stdout).toMatch(/deadlock #1: node 0 holds b\/\d \(EX\) and waits for a\/\d/)
    const summary = JSON.parse(readFileSync(join(runDirs(out)[0]!, 'run.json'), 'utf8')) as Summary
    expect(summary.end).toBe('deadlocked')
    expect(summary.deadlocks.broken).toBe(0)
  }, 60_000)

  it('a cycle nobody breaks ends at the liveness bound, reporting what each node waits for', async () => {
    const dir = tempDir()
    const file = writeTemp(dir, 'w.yaml', BOTH_WAYS.replace(/repeat: 40/g, 'repeat: 400'))
    const out = join(dir, 'results')
    const res = await runCli(['run', 'workload', file, '--results', out, '--copy-strategy', 'naive', '--on-deadlock', 'ignore', '--liveness', '1500ms', '--no-tui'])
    expect(res.code).toBe(1)
    expect(res.stdout).toMatch(/the run is stuck/)
    expect(res.stdout).toMatch(/node 0: copy a\/0 -> b\/0 \(4 pages\); waits for a\/0: acquire SH queued; holds b\/0 EX pinned x1, downgrade callback deferred/)
    const stuck = events(runDirs(out)[0]!).find((e) => e.type === 'stuck') as {nodes: {node: number; op: string; waits: string[]}[]} | undefined
    expect(stuck?.nodes.map((n) => n.waits.some((w) => w.startsWith('waits for ')))).toEqual([true, true])
    const summary = JSON.parse(readFileSync(join(runDirs(out)[0]!, 'run.json'), 'utf8')) as Summary
    expect(summary.end).toBe('stuck')
    expect(summary.checks.checks.liveness?.valid).toBe(false)
  }, 60_000)
})
