// `restart-redis` (issue 16): with an append-only file fsynced before every reply the run rides
// out two restarts with every check valid and nothing acknowledged lost; without persistence the
// run ends and says what was lost. Nothing here asserts on timings.
import {existsSync, readFileSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {processesOf, runStored} from './helpers.js'
import {runCli, startCli, tempDir, waitFor, writeTemp} from '../helpers/cli.js'

const TWO_RESTARTS = `
name: redis-restarts
description: the lock service restarts twice mid-run
cluster: { nodes: 2, granularity: page, pageSize: 256 }
files: { a: { pages: 4 } }
nodes:
  all: [ { mix: { duration: 3s, rate: 300, read: 60, write: 40 } } ]
chaos:
  - { at: 700ms, restart-redis: true }
  - { at: 1800ms, restart-redis: true }
`

describe('Redis restarts', () => {
  it('--redis-durability always: two restarts, the run completes, every check valid, nothing lost, no process left', async () => {
    const run = await runStored(TWO_RESTARTS, ['--redis-durability', 'always', '--json'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const s = run.summary
    expect(s.end).toBe('completed')
    expect(s.checks.valid).toBe(true)
    expect(s.redis.durability).toBe('always')
    expect(s.redisFaults).toHaveLength(2)
    for (const fault of s.redisFaults) {
      expect(fault.kind).toBe('restart')
      expect(fault.loss).toEqual({runKept: true, pages: [], units: [], streams: []})
    }
    // The ops after the second restart were recorded: the history goes on past it.
    expect(s.ops).toBeGreaterThan(0)
    expect(processesOf(run)).toEqual([])
  }, 90_000)

  it('--redis-durability none: the run ends failed and the summary lists the pages, units and ops lost', async () => {
    const run = await runStored(TWO_RESTARTS, [])
    expect(run.code).toBe(4)
    const s = run.summary
    expect(s.end).toBe('failed')
    expect(s.redisFaults).toHaveLength(1)
    const [fault] = s.redisFaults
    expect(fault.loss.runKept).toBe(false)
    // Every page written back before the restart is gone (the server came back empty).
    expect(fault.loss.pages.length).toBeGreaterThan(0)
    for (const p of fault.loss.pages) expect(p.after).toBe(0)
    expect(Array.isArray(fault.opsInFlight)).toBe(true)
    expect(run.stdout).toMatch(/redis restart \(durability none\) at .*\n {2}lost: the whole run \(epoch key gone\); \d+ page write-back\(s\) \(a\/\d v\d+->none/)
    expect(s.errors.map((e: {message: string}) => e.message).join('\n')).toMatch(/Redis lost the run's state in a restart \(no persistence\)/)
    // Ops completed before the restart were real; none completed on what the new Redis "remembers".
    expect(s.checks.checks.linearizable.valid).toBe(true)
    const types = readFileSync(join(run.dir, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).type)
    expect(types).toEqual(expect.arrayContaining(['redis-restart', 'redis-restarted', 'redis-lost']))
    expect(processesOf(run)).toEqual([])
  }, 90_000)

  it('cmm chaos restart-redis on a live run: restarted, the run completes valid; failover-redis refused (no replica), exit 2', async () => {
    const root = tempDir()
    const out = join(root, 'results')
    const file = writeTemp(root, 'w.yaml', TWO_RESTARTS.replace(/chaos:[\s\S]*$/, '').replace('duration: 3s', 'duration: 4s'))
    const cli = startCli(['run', 'workload', file, '--results', out, '--seed', '1', '--no-tui', '--redis-durability', 'always', '--json'])
    expect(await waitFor(() => existsSync(out) && readdirSync(out).some((d) => existsSync(join(out, d, 'live.json'))), 30_000)).toBe(true)
    const refused = await runCli(['chaos', 'failover-redis', '--results', out])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/no replica to promote/)
    const sent = await runCli(['chaos', 'restart-redis', '--results', out])
    expect(sent.stderr).toBe('')
    expect(sent.code).toBe(0)
    const res = await cli.done
    expect(res.code).toBe(0)
    const s = JSON.parse(res.stdout)
    expect(s.checks.valid).toBe(true)
    expect(s.redisFaults).toHaveLength(1)
    expect(s.redisFaults[0].loss).toEqual({runKept: true, pages: [], units: [], streams: []})
  }, 90_000)

})
