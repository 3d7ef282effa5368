// Checkers that can fail: each deliberately broken protocol variant (`--break NAME`) runs a small
// workload on real node processes and the right checker must report it; the same workload on
// the correct protocol must pass every check. Then `cmm check run` must judge the stored runs alike.
import {readFileSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {runCli, tempDir, writeTemp} from '../helpers/cli.js'
import {CASES, FIRE_ATTEMPTS, untilFired} from './break-cases.js'

interface Judged {
  code: number | null
  summary: {break: string | null; breakFired?: number; end: string; checks: {valid: unknown; checks: Record<string, {valid: unknown; summary: string; counts: Record<string, number>}>}}
  out: string
}

async function run(file: string, out: string, extra: string[], seed = 1): Promise<Judged> {
  const res = await runCli(['run', 'workload', file, '--results', out, '--seed', String(seed), '--json', '--liveness', '2s', ...extra])
  expect(res.stderr).toBe('')
  return {code: res.code, summary: JSON.parse(res.stdout), out}
}

function onlyRun(out: string): string {
  const runs = readdirSync(out)
  expect(runs).toHaveLength(1)
  return runs[0]!
}

describe('--break variants are caught, the correct protocol passes', () => {
  for (const c of CASES) {
    it(`${c.variant}: ${c.checker} reports it; without --break every check is valid`, async () => {
      const dir = tempDir()
      const file = writeTemp(dir, `${c.variant}.yaml`, `version: 1\n${c.script}`)
      // The correct protocol must pass whatever the interleaving: one run. The broken one is run
      // until the deviation is taken (see untilFired): a run where it was not proves nothing.
      const tryBroken = (seed: number) => run(file, join(dir, `broken-${seed}`), ['--break', c.variant], seed)
      const [clean, broken] = await Promise.all([run(file, join(dir, 'clean'), []), untilFired(c.variant, tryBroken, (r) => r.summary.breakFired)])

      expect(clean.code, JSON.stringify(clean.summary.checks)).toBe(0)
      expect(clean.summary.break).toBe(null)
      expect(clean.summary.checks.valid).toBe(true)

      expect(broken.code).toBe(1)
      expect(broken.summary.break).toBe(c.variant)
      expect(broken.summary.breakFired, 'the deviation must have been taken').toBeGreaterThan(0)
      expect(clean.summary.breakFired).toBeUndefined()
      expect(broken.summary.checks.valid).toBe(false)
      const check = broken.summary.checks.checks[c.checker]
      expect(check?.valid, JSON.stringify(broken.summary.checks)).toBe(false)
      expect(check?.summary).toMatch(c.violation)
      if (c.count !== undefined) expect(check?.counts[c.count]).toBeGreaterThan(0)

      // The stored runs get the same verdicts from `cmm check run`.
      const id = onlyRun(broken.out)
      const again = await runCli(['check', 'run', id, '--results', broken.out, '--json'])
      expect(again.code).toBe(1)
      const report = JSON.parse(again.stdout)
      expect(report.checks[c.checker].valid).toBe(false)
      expect(report.break).toBe(c.variant)
      const stored = JSON.parse(readFileSync(join(broken.out, id, 'run.json'), 'utf8'))
      expect(report.valid).toBe(stored.checks.valid)
      if (c === CASES[0]) {
        const cleanAgain = await runCli(['check', 'run', join(clean.out, onlyRun(clean.out))])
        expect(cleanAgain.code).toBe(0)
        expect(cleanAgain.stdout).toMatch(/verdict: valid/)
      }
    }, 180_000)
  }

  it('untilFired reruns until the deviation fired, and fails loudly when it never does', async () => {
    const seeds: number[] = []
    const third = await untilFired('x', async (seed) => (seeds.push(seed), seed), (seed) => (seed === 3 ? 1 : 0))
    expect([third, seeds]).toEqual([3, [1, 2, 3]])
    await expect(untilFired('never', async (seed) => seed, () => 0)).rejects.toThrow(`never: the deviation never fired in ${FIRE_ATTEMPTS} runs (seed 1: breakFired 0, `)
  })

  it('a variant that never fired says so instead of a bare valid (run.json breakFired 0)', async () => {
    const dir = tempDir()
    // One node alone never upgrades against another: no second upgrade to queue.
    const file = writeTemp(dir, 'alone.yaml', 'version: 1\nname: alone\ndescription: one node\ncluster: {nodes: 1, pageSize: 256}\nfiles: {a: {pages: 1}}\nnodes:\n  all: [ { read: a/0 }, { write: a/0 } ]\n')
    const res = await runCli(['run', 'workload', file, '--out', join(dir, 'runs'), '--no-tui', '--break', 'no-conversion-refusal'])
    expect(res.code, res.stderr).toBe(0)
    expect(res.stdout).toMatch(/--break no-conversion-refusal .*it NEVER FIRED in this run/)
    expect(res.stdout).toMatch(/^verdict: valid \(all 5 checks passed; but --break no-conversion-refusal NEVER FIRED, so this run did not test it\)/m)
    const summary = JSON.parse(readFileSync(join(dir, 'runs', onlyRun(join(dir, 'runs')), 'run.json'), 'utf8'))
    expect(summary.breakFired).toBe(0)
  })

  it('refuses an unknown --break name with exit 2 and lists the variants', async () => {
    const res = await runCli(['run', 'workload', 'workloads/pingpong.yaml', '--break', 'nonsense'])
    expect(res.code).toBe(2)
    expect(res.stderr).toBe("cmm run workload: Expected --break=nonsense to be one of: skip-writeback, skip-invalidate, early-grant, stale-read, no-conversion-refusal, no-lease-guard, unfenced-writeback\nSee `cmm run workload --help`.\n")
    const help = await runCli(['run', 'workload', '--help'])
    for (const c of CASES) expect(help.stdout).toContain(c.variant)
  })

  it('cmm check run: exit 2 for a run that does not exist', async () => {
    const res = await runCli(['check', 'run', 'no-such-run', '--results', tempDir()])
    expect(res.code).toBe(2)
    expect(res.stderr).toMatch(/no run no-such-run/)
  })
})
