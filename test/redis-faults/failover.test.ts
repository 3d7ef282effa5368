// `failover-redis` under `--redis-topology sentinel` (issue 16, docs/FAILOVER.md). Replication is
// asynchronous: with the replica 100 ms behind (--redis-replica-lag, a replica in another zone)
// the primary dies with decisions the replica never received, nodes go on acting on them, and
// the checkers must find the damage. With --redis-wait 1 no node acts on a decision before the
// replica has it: the same run completes with every check valid. Nothing asserts on timings.
import {describe, expect, it} from 'vitest'
import {processesOf, runStored, sentinelAvailable} from './helpers.js'

// Three nodes hand two pages back and forth every few ms: a 100 ms window holds many grants and write-backs.
const FAILOVER_AFTER_GRANTS = `
name: failover-after-grants
description: a contended page changes hands every few ms; the primary dies while the replica lags behind
cluster: { nodes: 3, granularity: page, pageSize: 256 }
files: { a: { pages: 2 } }
nodes:
  all: [ { mix: { duration: 3s, rate: 200, read: 50, write: 50 } } ]
chaos:
  - { at: 1s, failover-redis: true }
`
// A failover takes one to two seconds here: leases outlive it. Each run takes 20-35 s of wall time
// on a loaded 2-core machine (Sentinels discover each other, a failover, a resync): a longer bound.
const SENTINEL = ['--redis-topology', 'sentinel', '--redis-replica-lag', '100ms', '--lease-ttl', '5s', '--json']
const available = sentinelAvailable()
const title = (t: string) => (available ? t : `${t} [SKIPPED: redis-sentinel is not installed; apt-get install redis-sentinel]`)

describe.skipIf(!available)('Redis failover (Sentinel)', () => {
  it(title('asynchronous replication: the failover loses acknowledged decisions and the checkers find it'), async () => {
    const run = await runStored(FAILOVER_AFTER_GRANTS, SENTINEL)
    const s = run.summary
    expect(s.redis.topology).toBe('sentinel')
    expect(s.redisFaults).toHaveLength(1)
    const [fault] = s.redisFaults
    expect(fault.kind).toBe('failover')
    expect(fault.loss.runKept).toBe(true)
    // The promoted replica missed write-backs and grants the old primary had made...
    expect(fault.loss.pages.length + fault.loss.units.length).toBeGreaterThan(0)
    // ...and the nodes that acted on them broke the protocol's guarantees: a check is violated.
    expect(s.checks.valid).toBe(false)
    expect(run.code).toBe(1)
    expect(processesOf(run)).toEqual([])
  }, 120_000)

  it(title('--redis-wait 1: the same failover, every check valid'), {timeout: 120_000, retry: 1}, async () => {
    const run = await runStored(FAILOVER_AFTER_GRANTS, [...SENTINEL, '--redis-wait', '1'])
    expect(run.stderr).toBe('')
    const s = run.summary
    expect(s.redis.waitReplicas).toBe(1)
    expect(s.redisFaults).toHaveLength(1)
    expect(s.end).toBe('completed')
    // Each check's verdict and summary: a failure names the one that was not valid, and why.
    expect({valid: s.checks.valid, checks: s.checks.checks}).toMatchObject({valid: true})
    expect(run.code).toBe(0)
    expect(processesOf(run)).toEqual([])
    // One retry: under a full parallel suite on 2 cores this run once ended with an undecided check
    // (a node's flush after the failover not confirmed within the liveness bound; not reproduced
    // alone, nor beside three busy loops). The assertion above names the check if it happens again.
  })
})
