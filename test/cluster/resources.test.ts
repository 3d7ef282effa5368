// run.json `resources` on real runs. Load-robust by construction: the oversubscribed run keeps
// more CPU-bound nodes busy than there are CPUs, so other work on the machine can only make it
// busier; the one-node run asserts what does not depend on the machine's other load (the run's
// own share of the CPUs), and that the flag follows the rule.
import {cpus} from 'node:os'
import {describe, expect, it} from 'vitest'
import {runWorkload} from '../../src/cluster/orchestrator.js'
import {parseWorkload} from '../../src/workload/index.js'
import {isSaturated} from '../../src/records/resources.js'
import {ResourceTracker} from '../../src/cluster/resource-tracker.js'
import {tempDir} from '../helpers/cli.js'

/** Every node writes and reads its own 64 KiB pages: cache hits only, so each node wants a whole CPU. */
function busyNodes(nodes: number, seconds: number): string {
  const files = Array.from({length: nodes}, (_, k) => `f${k}: {pages: 2}`).join(', ')
  const steps = Array.from({length: nodes}, (_, k) => `  "${k}": [ { mix: { duration: ${seconds}s, read: 50, write: 50, pages: uniform, files: [f${k}] } } ]`).join('\n')
  return `name: busy\ndescription: cache hits on private pages\ncluster: { nodes: ${nodes}, pageSize: 65536 }\nfiles: { ${files} }\nnodes:\n${steps}\n`
}

describe('run resources', () => {
  it('flags a run whose CPU-bound nodes outnumber the cores as saturated, and accounts every process', async () => {
    const n = cpus().length + 1
    const run = await runWorkload({workload: parseWorkload(busyNodes(n, 1.5), 'busy.yaml'), seed: 1, outDir: tempDir()})
    expect(run.end).toBe('completed')
    const r = run.resources!
    expect(r.machine.cpus).toBe(cpus().length)
    expect(r.machine.busy).toBeGreaterThanOrEqual(0.9)
    expect(r.saturated).toBe(true)
    expect(r.processes.filter((p) => p.role === 'node').map((p) => p.node)).toEqual(Array.from({length: n}, (_, k) => k))
    expect(r.processes.filter((p) => p.role === 'orchestrator')).toHaveLength(1)
    expect(r.processes.filter((p) => p.role === 'redis-server')).toHaveLength(1)
    for (const p of r.processes) expect(p.userMs + p.systemMs, p.role).toBeGreaterThan(0)
    for (const p of r.processes.filter((p) => p.role !== 'redis-server')) expect(p.maxRssKb, p.role).toBeGreaterThan(10_000)
    expect(r.cmm.cpuUsPerOp).toBeGreaterThan(0)
    expect(r.redis?.cpuUsPerOp).toBeGreaterThan(0)
    // Each node's first touch of its two pages is a manager decision (a Lua script in Redis).
    const scripts = r.redis?.scripts
    expect(scripts?.calls).toBeGreaterThanOrEqual(2 * n)
    expect(scripts?.usPerCall).toBeGreaterThan(0)
    expect(scripts?.callsPerOp).toBeCloseTo(scripts!.calls / run.totals.ops, 3)
    // The nodes' commands: their manager round trips, and more (every node reads its inbox and reports).
    expect(run.totals.redisCommands).toBeGreaterThan(run.totals.redisRoundTrips + 2 * n)
    // Every node reported the CPU it had used when its workload began (at least loading its code),
    // and the second CPU per op leaves exactly that out.
    const nodes = r.processes.filter((p) => p.role === 'node')
    for (const p of nodes) expect(p.startupMs, `node ${p.node}`).toBeGreaterThan(0)
    for (const p of nodes) expect(p.startupMs!, `node ${p.node}`).toBeLessThan(p.userMs + p.systemMs)
    const startupMs = nodes.reduce((s, p) => s + p.startupMs!, 0)
    expect(r.cmm.cpuUsPerOpAfterStartup).toBeCloseTo(((r.cmm.cpuMs - startupMs) * 1000) / run.totals.ops, 0)
  }, 60_000)

  it('does not flag a one-node run by itself: its own CPU is well under 90 % of the machine', async () => {
    const run = await runWorkload({workload: parseWorkload(busyNodes(1, 1), 'one.yaml'), seed: 1, outDir: tempDir()})
    expect(run.end).toBe('completed')
    const r = run.resources!
    expect(r.processes.filter((p) => p.role === 'node')).toHaveLength(1)
    const ownMs = r.cmm.cpuMs + (r.redis?.cpuMs ?? 0)
    // One busy node (plus start-up and the orchestrator) on a machine of 2+ CPUs over >= 1 s of run.
    const share = ownMs / (r.machine.cpus * Math.max(run.durationMs, 1000) + r.machine.cpus * 1500)
    expect(share).toBeLessThan(0.9)
    // The flag is the rule applied to the machine's load, whatever else ran on it.
    expect(r.saturated).toBe(isSaturated(r.machine.busy))
    if (r.machine.cpus >= 2 && r.machine.busy !== null && r.machine.busy < 0.9) expect(r.saturated).toBe(false)
  }, 60_000)
})

describe('resource tracker', () => {
  it('lists an incarnation that joined but never reported its usage (killed before its first progress report) as unmeasured', () => {
    const t = new ResourceTracker(2)
    const usage = {userMs: 100, systemMs: 20, maxRssKb: 1000, startupMs: 50}
    t.note({type: 'ready', node: 0, proc: 0, pid: 100, host: 'h', total: 5})
    t.note({type: 'ready', node: 1, proc: 1, pid: 101, host: 'h', total: 5})
    t.note({type: 'ready', node: 1, proc: 3, pid: 103, host: 'h', total: 5}) // node 1's restart
    t.note({type: 'stopped', node: 0, proc: 0, usage})
    t.note({type: 'stopped', node: 1, proc: 3, usage})
    const r = t.summarize(10)
    expect(r.processes.filter((p) => p.role === 'node').map((p) => p.pid)).toEqual([100, 103])
    expect(r.unmeasured).toEqual([{node: 1, incarnation: 0, pid: 101}])
  })
})
