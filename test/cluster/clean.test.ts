// A SIGKILLed orchestrator on a shared Redis: its run keys carry a TTL, its heartbeat lapses,
// and `cmm clean` (after a --dry-run that removes nothing) removes its keys, its cmm:live-runs
// entry and its stale live.json, leaving live runs and foreign keys alone.
import {existsSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {Redis} from 'ioredis'
import {startRedisServer, type RedisServer} from '../../src/redis/server.js'
import {RUN_KEYS_TTL_S} from '../../src/redis/heartbeat.js'
import {runCli, startCli, tempDir, waitFor, writeTemp} from '../helpers/cli.js'

const WORKLOAD = '{name: orphan, cluster: {nodes: 2, pageSize: 512}, files: {a: {pages: 4}}, nodes: {all: [{mix: {duration: 60s, rate: 100, read: 50, write: 50}}]}}\n'

describe('an orchestrator killed on a shared Redis, and cmm clean', () => {
  let server: RedisServer
  let redis: Redis

  beforeAll(async () => {
    server = await startRedisServer()
    redis = new Redis(server.url)
  })

  afterAll(async () => {
    redis?.disconnect()
    await server?.stop()
  })

  it('leaves keys with a TTL, and cmm clean removes them (dry run first)', async () => {
    const dir = tempDir()
    const out = join(dir, 'results')
    const cli = startCli(['run', 'workload', writeTemp(dir, 'w.yaml', WORKLOAD), '--redis', server.url, '--out', out, '--no-tui'])
    expect(await waitFor(() => /ops [1-9]\d*/.test(cli.output()), 30_000), cli.output()).toBe(true)
    const [runId] = readdirSync(out)
    const ttl = await redis.ttl(`cmm:{${runId}}:meta`)
    expect(ttl).toBeGreaterThan(0)
    expect(ttl).toBeLessThanOrEqual(RUN_KEYS_TTL_S)
    cli.child.kill('SIGKILL')
    await cli.done
    // Someone else's live run and a foreign key, which clean must not touch.
    await redis.set('cmm:{other-run}:meta', 'x')
    await redis.set('cmm:{other-run}:alive', '1', 'PX', 120_000)
    await redis.set('not-cmm:key', 'x')
    expect(await redis.hexists('cmm:live-runs', runId!)).toBe(1)
    // The heartbeat lapses on its own (PX), which is what makes the run abandoned.
    const lapsed = async () => (await redis.exists(`cmm:{${runId}}:alive`)) === 0
    const deadline = Date.now() + 30_000
    while (!(await lapsed()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200))
    expect(await lapsed()).toBe(true)
    const left = (await redis.keys(`cmm:{${runId}}:*`)).length
    expect(left).toBeGreaterThan(5)

    const dry = await runCli(['clean', '--redis', server.url, '--out', out, '--dry-run'])
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.stdout).toContain(`would remove: run ${runId}: ${left} keys and its cmm:live-runs entry`)
    expect(dry.stdout).toContain(`would remove: ${join(out, runId!, 'live.json')}`)
    expect(dry.stdout).not.toContain('other-run')
    expect((await redis.keys(`cmm:{${runId}}:*`)).length).toBe(left)
    expect(existsSync(join(out, runId!, 'live.json'))).toBe(true)

    const real = await runCli(['clean', '--redis', server.url, '--out', out])
    expect(real.code, real.stderr).toBe(0)
    expect(real.stdout).toContain(`removed: run ${runId}: ${left} keys`)
    expect(await redis.keys(`cmm:{${runId}}:*`)).toEqual([])
    expect(await redis.hexists('cmm:live-runs', runId!)).toBe(0)
    expect(existsSync(join(out, runId!, 'live.json'))).toBe(false)
    expect(await redis.get('cmm:{other-run}:meta')).toBe('x')
    expect(await redis.get('not-cmm:key')).toBe('x')

    const again = await runCli(['clean', '--redis', server.url, '--out', out])
    expect(again.stdout).toContain('no abandoned runs')
  })
})
