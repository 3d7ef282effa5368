// Bad command-line input is refused before anything starts: exit 2, one line naming the flag,
// no Redis started, no run folder left behind, no process spinning.
import {existsSync, readdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {startCli, tempDir, writeTemp, type CliResult} from '../helpers/cli.js'

const WORKLOAD = '{name: tiny, cluster: {nodes: 2, pageSize: 512}, files: {a: {pages: 1}}, nodes: {all: [{mix: {ops: 5, read: 50, write: 50, pages: uniform}}]}}\n'

/** Runs the CLI, SIGKILLing it after `ms` (a hang or a spin fails the test instead of hanging it). */
// In a scratch folder: a regression of `--out ""` would write its run there.
async function runBounded(args: string[], ms = 20_000): Promise<CliResult> {
  const cli = startCli(args, tempDir())
  const timer = setTimeout(() => cli.child.kill('SIGKILL'), ms)
  const result = await cli.done
  clearTimeout(timer)
  return result
}

describe('run workload refuses bad flags with exit 2', () => {
  const dir = tempDir()
  const file = writeTemp(dir, 'tiny.yaml', WORKLOAD)

  it('an --out that cannot be created (/proc/nope) is refused at once, not spun on', async () => {
    const r = await runBounded(['run', 'workload', file, '--out', '/proc/nope', '--no-tui'])
    expect(r.signal).toBeNull()
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^cmm: --results \/proc\/nope: cannot create \/proc\/nope/)
  })

  it('an empty --out is refused', async () => {
    const r = await runBounded(['run', 'workload', file, '--out', '', '--no-tui'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^cmm: --results: empty/)
  })

  it('an --out below a file is refused', async () => {
    const r = await runBounded(['run', 'workload', file, '--out', join(file, 'x'), '--no-tui'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('is not a folder')
  })

  it('a malformed --redis URL is refused (exit 2, not 4) and leaves no run folder', async () => {
    const out = join(dir, 'results-bad-url')
    const r = await runBounded(['run', 'workload', file, '--redis', 'redis://[bad', '--out', out, '--no-tui'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^cmm run workload: --redis: not a Redis URL/)
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([])
  })

  // A restart-redis step cannot act on a Redis cmm did not start: refused up front like a
  // failover-redis step without a replica, not ignored while the run reports valid.
  it('a restart-redis chaos step with --redis URL is refused (exit 2) before Redis is reached', async () => {
    const out = join(dir, 'results-restart-redis')
    const path = writeTemp(dir, 'restarts.yaml', WORKLOAD.replace('}}]}}\n', '}}]}, chaos: [{at: 1s, restart-redis: true}]}\n'))
    const r = await runBounded(['run', 'workload', path, '--redis', 'redis://127.0.0.1:1', '--out', out, '--no-tui'])
    expect(r.code).toBe(2)
    expect(r.stderr.trim()).toBe(`cmm: ${path}: a restart-redis chaos step needs the private Redis cmm starts (not --redis URL: cmm restarts only a server it started)`)
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([])
  })

  it('a workload that is not UTF-8 is refused with its line and column', async () => {
    const path = join(dir, 'latin1.yaml')
    writeFileSync(path, Buffer.concat([Buffer.from('name: caf'), Buffer.from([0xe9]), Buffer.from(' au lait\n')]))
    const r = await runBounded(['run', 'workload', path, '--no-tui'])
    expect(r.code).toBe(2)
    expect(r.stderr.trim()).toBe(`cmm: ${path}:1:10: expected UTF-8 text, found the byte 0xe9 (save the file as UTF-8)`)
  })

  it('--nodes and cluster.nodes have one limit', async () => {
    const flag = await runBounded(['run', 'workload', file, '--nodes', '257', '--no-tui'])
    const script = await runBounded(['run', 'workload', writeTemp(dir, 'many.yaml', WORKLOAD.replace('nodes: 2,', 'nodes: 257,')), '--no-tui'])
    expect([flag.code, script.code]).toEqual([2, 2])
    expect(flag.stderr).toMatch(/256/)
    expect(script.stderr).toMatch(/cluster\.nodes \(a whole number 1\.\.256\)/)
  })

  // Both were taken, the run started, and every node refused the run's meta: exit 4 and a run
  // folder holding only nodes/ (no run.json).
  it('a --seed or --lease-ttl the nodes would refuse is refused before anything starts', async () => {
    const out = join(dir, 'results-bad-numbers')
    const seed = await runBounded(['run', 'workload', file, '--seed', '99999999999999999999', '--out', out, '--no-tui'])
    expect(seed.code).toBe(2)
    expect(seed.stderr.split('\n')[0]).toBe('cmm run workload: --seed: expected a whole number (at most 9007199254740991 either way), found "99999999999999999999"')
    const ttl = await runBounded(['run', 'workload', file, '--lease-ttl', '2h', '--out', out, '--no-tui'])
    expect(ttl.code).toBe(2)
    expect(ttl.stderr.trim()).toBe('cmm: --lease-ttl: expected 50ms..1h, found 7200000ms')
    // A zero liveness bound declared every run stuck at once (exit 1, a protocol verdict for a typo).
    const liveness = await runBounded(['run', 'workload', file, '--liveness', '0ms', '--out', out, '--no-tui'])
    expect([liveness.code, liveness.stderr.trim()]).toEqual([2, 'cmm: --liveness: expected at least 1ms, found 0ms'])
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([])
  })

  it('a duration longer than a timer can wait is refused, not served at once', async () => {
    const r = await runBounded(['run', 'workload', file, '--hold-time', '99999h', '--out', join(dir, 'results-long'), '--no-tui'])
    expect(r.code).toBe(2)
    expect(r.stderr.split('\n')[0]).toBe('cmm run workload: --hold-time: 99999h is too long; expected a duration of at most 596h')
  })

  it('an unreachable Redis leaves no run folder behind', async () => {
    const out = join(dir, 'results-unreachable')
    const r = await runBounded(['run', 'workload', file, '--redis', join(dir, 'no-such.sock'), '--out', out, '--no-tui'])
    expect(r.code).toBe(4)
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([])
  })
})

describe('names reach the terminal without control characters', () => {
  it('an ANSI escape in the workload name is printed escaped', async () => {
    const dir = tempDir()
    const evil = writeTemp(dir, 'evil.yaml', WORKLOAD.replace('name: tiny', 'name: "evil\\e[2J\\e]0;pwned\\a"'))
    const r = await runBounded(['run', 'workload', evil, '--out', join(dir, 'results'), '--no-tui'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/)
    expect(r.stdout).toContain('workload evil\\x1b[2J\\x1b]0;pwned\\x07:')
  })
})

describe('workload file size', () => {
  it('a file over the 1 MiB limit is refused before it is parsed', async () => {
    const dir = tempDir()
    const big = writeTemp(dir, 'big.yaml', WORKLOAD + `# ${'x'.repeat(1 << 20)}\n`)
    const r = await runBounded(['run', 'workload', big, '--no-tui'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/expected a workload file of at most 1048576 bytes \(1 MiB\), found \d+ bytes/)
  })

  // A device or a pipe has no size to check first: /dev/zero was read until memory ran out.
  it('a stream longer than the limit (/dev/zero) is refused once the limit is read', async () => {
    const r = await runBounded(['run', 'workload', '/dev/zero', '--no-tui'], 10_000)
    expect(r.signal).toBeNull()
    expect(r.code).toBe(2)
    expect(r.stderr.trim()).toBe('cmm: /dev/zero: expected a workload file of at most 1048576 bytes (1 MiB), found more than 1048576 bytes; use mixes (mix: {ops: N}) instead of long lists of steps')
  })
})
