// Network partitions on real node processes and a real Redis (issue 14). The dirty EX holder of a
// page is cut off for longer than its lease while it keeps writing: past the lease it completes
// nothing, what it never wrote back is `info`, what it made durable survives, and its late
// write-back after the heal is fenced. Two broken variants that only a partition shows are
// caught on the same workloads. Leases are 500 ms; nothing asserts on timings beyond the lease.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {executeRun} from '../../src/cluster/execute.js'
import {loadWorkload} from '../../src/workload/parse.js'
import type {RunEvent, NodeLive} from '../../src/records/run.js'
import {historyRows} from '../../src/cluster/record-store.js'
import {ROOT, tempDir} from '../helpers/cli.js'

const LEASE_MS = 500
const DIRTY_HOLDER = join(ROOT, 'workloads/partition-dirty-holder.yaml')
const ZOMBIE_READS = join(ROOT, 'workloads/partition-zombie-reads.yaml')

async function run(file: string, breakVariant: 'no-lease-guard' | 'unfenced-writeback' | null, onEvent?: (e: RunEvent) => void) {
  const workload = loadWorkload(file)
  return executeRun({workload, seed: 1, outDir: join(tempDir(), 'results'), leaseTtlMs: LEASE_MS, chaos: workload.chaos, breakVariant, onEvent})
}

/** The run's history.jsonl (the orchestrator holds no history in memory). */
const readHistory = (dir: string) => [...historyRows(join(dir, 'history.jsonl'))]
const verdicts = (checks: Record<string, {valid: unknown}>) => Object.fromEntries(Object.entries(checks).map(([k, c]) => [k, c.valid]))

describe('partition of a dirty EX holder (real processes)', () => {
  it('past its lease it completes nothing; unflushed writes are info, durable ones survive; its late write-back is fenced; all checks valid', async () => {
    const states: NodeLive[][] = []
    const {run: r, summary, exitCode} = await run(DIRTY_HOLDER, null, (e) => {
      if (e.type === 'progress' && e.nodes) states.push([...e.nodes])
    })
    expect(verdicts(summary.checks.checks)).toEqual({'coherence': true, 'linearizable': true, 'no-lost-writes': true, 'liveness': true, 'deadlock': true})
    expect(exitCode).toBe(0)
    const ev = (type: string) => r.events.filter((e) => e.type === type)
    const partition = ev('partition')[0]!
    expect(partition).toMatchObject({node: 1, proc: 1, direction: 'to-redis'})
    expect(ev('death-detected')[0]).toMatchObject({proc: 1, fault: 'partition-to-redis'})
    expect(ev('locks-regranted')[0]).toMatchObject({proc: 1, heldEx: 1, fault: 'partition-to-redis'})
    const heal = ev('heal')[0]!
    expect(ev('lease-lost')[0]).toMatchObject({proc: 1})
    // The msync it sent into the partition reached the manager after the heal: refused.
    expect(ev('writeback-refused').some((e) => e.proc === 1)).toBe(true)
    expect(r.faults?.fencedWritebacks).toBeGreaterThan(0)

    // No access of process 1 completes between its lease lapsing and the heal (it died at the heal).
    const history = readHistory(r.dir)
    const lapseNs = (partition.timeMs + LEASE_MS) * 1e6
    const late = history.filter((e) => e.process === 1 && e.type !== 'invoke' && e.time > lapseNs && e.time < heal.timeMs * 1e6)
    expect(late).toEqual([])

    // Node 0's first read of a/0 (after the purge) returns what process 1 made durable (an ok
    // write); process 1's writes after it were never written back: info, like a killed node's.
    const firstRead = history.find((e) => e.process === 0 && e.type === 'ok' && e.f === 'read' && e.key === 'a/0')!
    const durable = history.find((e) => e.process === 1 && e.f === 'write' && e.type !== 'invoke' && e.value === firstRead.value)
    expect(durable?.type).toBe('ok')
    const unflushed = history.filter((e) => e.process === 1 && e.f === 'write' && e.type !== 'invoke' && e.time > durable!.time)
    expect(unflushed.length).toBeGreaterThan(0)
    expect(unflushed.every((e) => e.type === 'info')).toBe(true)
    expect(r.faults?.deadProcesses).toContain(1)

    // The live view saw node 1 partitioned, and its locks gone once purged.
    const node1 = states.map((s) => s.find((n) => n.node === 1)!)
    expect(node1.some((n) => n.state === 'partitioned' && n.summary === null)).toBe(true)
    // The summary's table: one partition, recovered (fault -> locks regranted).
    expect(summary.faults?.byKind).toEqual([expect.objectContaining({kind: 'partition-to-redis', faults: 1, recoveryMs: expect.objectContaining({count: 1})})])
    const events = readFileSync(join(r.dir, 'events.jsonl'), 'utf8')
    expect(events).toMatch(/"type":"partition"/)
    expect(events).toMatch(/"type":"heal"/)
  }, 60_000)

  it('--break unfenced-writeback: the late write-back overwrites a newer value and a check fails', async () => {
    const {summary, exitCode} = await run(DIRTY_HOLDER, 'unfenced-writeback')
    expect(exitCode).toBe(1)
    const v = verdicts(summary.checks.checks)
    expect(v.linearizable === false || v['no-lost-writes'] === false).toBe(true)
    expect(summary.breakFired).toBeGreaterThan(0)
  }, 60_000)

  it('--break no-lease-guard: the zombie reads a page overwritten after its purge (linearizable fails); the correct protocol passes', async () => {
    const broken = await run(ZOMBIE_READS, 'no-lease-guard')
    expect(broken.exitCode).toBe(1)
    expect(verdicts(broken.summary.checks.checks).linearizable).toBe(false)
    expect(broken.summary.breakFired).toBeGreaterThan(0)
    const correct = await run(ZOMBIE_READS, null)
    expect(verdicts(correct.summary.checks.checks)).toEqual({'coherence': true, 'linearizable': true, 'no-lost-writes': true, 'liveness': true, 'deadlock': true})
    expect(correct.exitCode).toBe(0)
    // Cut off both ways while hitting its cache: nothing completes between the lapse and the heal.
    const partition = correct.run.events.find((e) => e.type === 'partition')!
    const heal = correct.run.events.find((e) => e.type === 'heal')!
    expect(partition).toMatchObject({node: 1, direction: 'both'})
    const lapseNs = (partition.timeMs + LEASE_MS) * 1e6
    expect(readHistory(correct.run.dir).filter((e) => e.process === 1 && e.type !== 'invoke' && e.time > lapseNs && e.time < heal.timeMs * 1e6)).toEqual([])
    // ... while the broken variant completed accesses in that window.
    const bp = broken.run.events.find((e) => e.type === 'partition')!
    const bh = broken.run.events.find((e) => e.type === 'heal')!
    expect(readHistory(broken.run.dir).filter((e) => e.process === 1 && e.type !== 'invoke' && e.time > (bp.timeMs + LEASE_MS) * 1e6 && e.time < bh.timeMs * 1e6).length).toBeGreaterThan(0)
  }, 90_000)
})
