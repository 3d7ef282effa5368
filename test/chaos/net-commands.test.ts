// `cmm chaos partition / delay / skew / heal / kill-node` on a live run started with
// --network-faults (issue 14): each waits for the orchestrator's answer, exits 0 only once the
// fault was applied, and non-zero with the reason when nothing was (a dead node, nothing to
// heal, a run without proxies, an ended run).
import {readFileSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runCli, startCli, tempDir, waitFor, writeTemp} from '../helpers/cli.js'
import {startTestRedis, stopTestRedis, type TestRedis} from '../helpers/redis.js'
import {LIVE_RUNS_KEY} from '../../src/redis/keys.js'
import {sendAndConfirm} from '../../src/chaos/confirm.js'
import {NetChaos} from '../../src/chaos/net-chaos.js'
import {EventLog} from '../../src/results/events.js'

const LIVE = `
name: live-net
description: long enough to be hit from another terminal
cluster: { nodes: 2, pageSize: 256 }
files: { a: { pages: 4 } }
nodes:
  all: [ { mix: { duration: 300s, rate: 100, read: 60, write: 40 } } ]
`

let t: TestRedis
beforeAll(async () => {
  t = await startTestRedis()
})
afterAll(async () => {
  await stopTestRedis(t)
})

describe('cmm chaos network commands', () => {
  it('apply on a live run with --network-faults and say so; refusals exit 5 with the reason', async () => {
    const dir = tempDir()
    const out = join(dir, 'results')
    const file = writeTemp(dir, 'live.yaml', LIVE)
    const cli = startCli(['run', 'workload', file, '--results', out, '--no-tui', '--network-faults'])
    expect(await waitFor(() => /nodes started/.test(cli.output()), 20_000)).toBe(true)
    const chaos = (...args: string[]) => runCli(['chaos', ...args, '--results', out])

    const part = await chaos('partition', '1', '--for', '300ms')
    expect(part.stderr).toBe('')
    expect(part.code).toBe(0)
    expect(part.stdout).toMatch(/partition \(both\) for 300 ms on node 1/)
    const delay = await chaos('delay', '0', '5ms', '--jitter', '1ms')
    expect(delay.code).toBe(0)
    expect(delay.stdout).toMatch(/delay 5 ms \+- 1 ms on node 0/)
    const skew = await chaos('skew', '1', '100ms', '--rate', '1.05')
    expect(skew.code).toBe(0)
    expect(skew.stdout).toMatch(/clock skew 100 ms, rate 1.05 on node 1/)
    const heal = await chaos('heal')
    expect(heal.code).toBe(0)
    expect(heal.stdout).toMatch(/healed .*delay of node 0.*skew of node 1/)
    const again = await chaos("heal")
    expect(again.code).toBe(5)
    expect(again.stderr).toMatch(/nothing to heal/)

    const kill = await chaos('kill-node', '1')
    expect(kill.code).toBe(0)
    const dead = await chaos('kill-node', '1')
    expect(dead.code).toBe(5)
    expect(dead.stderr).toMatch(/not applied to run .*: node 1 is not running/)
    const deadPartition = await chaos('partition', '1')
    expect(deadPartition.code).toBe(5)
    expect(deadPartition.stderr).toMatch(/node 1 is not running/)
    const badDelay = await chaos('delay', '0', 'soon')
    expect(badDelay.code).toBe(2)

    cli.child.kill('SIGINT')
    expect((await cli.done).code).toBe(130)
    const after = await chaos('partition', '0')
    expect(after.code).toBe(2)
    expect(after.stderr).toMatch(/no live run/)

    const run = join(out, readdirSync(out)[0]!)
    const types = readFileSync(join(run, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as {type: string}).type)
    for (const type of ['partition', 'heal', 'delay', 'delay-end', 'skew', 'skew-end', 'kill', 'chaos-ignored']) expect(types).toContain(type)
  }, 240_000)

  it('a run without fault proxies refuses partitions and delays, and applies skew', async () => {
    const events = new EventLog(join(tempDir(), 'events.jsonl'))
    const skews: number[] = []
    const net = new NetChaos({net: null, events, nodes: 2, running: (k) => k, sendSkew: async (k) => void skews.push(k), noteFault: () => {}, noteFaultEnd: () => {}, later: () => {}})
    const refused = await net.apply({node: 1, signal: 'PARTITION', restartAfterMs: null, from: 'test'})
    expect(refused).toEqual({applied: false, reason: expect.stringMatching(/start it with --network-faults/)})
    expect(await net.apply({node: 1, signal: 'SKEW', offsetMs: 5, rate: 1, restartAfterMs: null, from: 'test'})).toMatchObject({applied: true})
    expect(skews).toEqual([1])
  })

  it('a chaos request to a run that ends before answering is refused with that reason', async () => {
    await t.redis.hset(LIVE_RUNS_KEY, 'r-ended', '{}')
    const waiting = sendAndConfirm(t.redis, 'r-ended', {node: 0, signal: 'KILL', restartAfterMs: null, from: 'test'}, 20_000)
    await t.redis.hdel(LIVE_RUNS_KEY, 'r-ended')
    expect(await waiting).toEqual({applied: false, reason: 'run r-ended ended before the orchestrator applied the request'})
  })
})
