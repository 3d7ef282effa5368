// Checkers that can fail: each deliberately broken protocol variant (`--break NAME`) runs a small
// workload on real node processes and the right checker must report it; the same workload on
// the correct protocol must pass every check. Then `cmm check run` must judge the stored runs alike.
import {readFileSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {runCli, tempDir, writeTemp} from '../helpers/cli.js'
import type {BreakVariant} from '../../src/protocol/break.js'

interface Case {
  readonly variant: BreakVariant
  /** The checker that must catch it (others may too). */
  readonly checker: 'coherence' | 'linearizable' | 'no-lost-writes' | 'liveness'
  readonly violation: RegExp
  /** A count of the checker that must be non-zero. */
  readonly count?: string
  readonly script: string
}

// Sleeps order the nodes' ops (nodes start at one shared instant); each case catches its variant
// whichever node goes first, so a slow machine changes the timing but not the verdict.
const CASES: readonly Case[] = [
  {
    variant: 'skip-writeback', checker: 'no-lost-writes', violation: /lost their last write/,
    script: `
name: lost-on-release
description: node 0 writes a/0, node 1 then takes the whole file to write a/1; nobody writes a/0 again
cluster: {nodes: 2, granularity: file, states: shared, pageSize: 256}
files: {a: {pages: 2}}
nodes:
  "0": [ { write: a/0 }, { sleep: 60ms } ]
  "1": [ { sleep: 20ms }, { write: a/1 } ]
`,
  },
  {
    variant: 'skip-invalidate', checker: 'coherence', violation: /violations; first: page a\/0: node \d/, count: 'mapping-outlives-lock',
    script: `
name: left-mapped
description: node 0 writes a/0, node 1 takes it over, node 0 reads it again
cluster: {nodes: 2, granularity: page, states: shared, pageSize: 256}
files: {a: {pages: 1}}
nodes:
  "0": [ { write: a/0 }, { sleep: 60ms }, { read: a/0 } ]
  "1": [ { sleep: 20ms }, { write: a/0 } ]
`,
  },
  {
    variant: 'early-grant', checker: 'coherence', violation: /held EX .* while node \d held EX/, count: 'conflicting-holds',
    script: `
name: early-grant
description: node 1 asks for a page node 0 holds within its minimum hold time
cluster: {nodes: 2, granularity: page, states: shared, pageSize: 256, holdTime: 200ms}
files: {a: {pages: 1}}
nodes:
  "0": [ { write: a/0 }, { sleep: 250ms } ]
  "1": [ { sleep: 20ms }, { write: a/0 } ]
`,
  },
  {
    variant: 'stale-read', checker: 'linearizable', violation: /read null .* cannot be placed/,
    script: `
name: stale-read
description: node 0 reads a/0, node 1 writes it, node 0 reads it again
cluster: {nodes: 2, granularity: page, states: shared, pageSize: 256}
files: {a: {pages: 1}}
nodes:
  "0": [ { read: a/0 }, { sleep: 120ms }, { read: a/0 } ]
  "1": [ { sleep: 30ms }, { write: a/0 } ]
`,
  },
  {
    variant: 'no-conversion-refusal', checker: 'liveness', violation: /stuck: .*upgrade in flight/,
    script: `
name: conversion-deadlock
description: both nodes read a/0, then both write it (two SH->EX upgrades at once)
cluster: {nodes: 2, granularity: page, states: shared, pageSize: 256, holdTime: 200ms}
files: {a: {pages: 1}}
nodes:
  all: [ { read: a/0 }, { sleep: 20ms }, { write: a/0 } ]
`,
  },
]

interface Judged {
  code: number | null
  summary: {break: string | null; end: string; checks: {valid: unknown; checks: Record<string, {valid: unknown; summary: string; counts: Record<string, number>}>}}
  out: string
}

async function run(file: string, out: string, extra: string[]): Promise<Judged> {
  const res = await runCli(['run', 'workload', file, '--results', out, '--seed', '1', '--json', '--liveness', '2s', ...extra])
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
      const [clean, broken] = await Promise.all([run(file, join(dir, 'clean'), []), run(file, join(dir, 'broken'), ['--break', c.variant])])

      expect(clean.code, JSON.stringify(clean.summary.checks)).toBe(0)
      expect(clean.summary.break).toBe(null)
      expect(clean.summary.checks.valid).toBe(true)

      expect(broken.code).toBe(1)
      expect(broken.summary.break).toBe(c.variant)
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
    })
  }

  it('refuses an unknown --break name with exit 2 and lists the variants', async () => {
    const res = await runCli(['run', 'workload', 'workloads/pingpong.yaml', '--break', 'nonsense'])
    expect(res.code).toBe(2)
    expect(res.stderr).toMatch(/--break: unknown variant "nonsense"; one of skip-writeback, skip-invalidate, early-grant, stale-read, no-conversion-refusal/)
    const help = await runCli(['run', 'workload', '--help'])
    for (const c of CASES) expect(help.stdout).toContain(c.variant)
  })

  it('cmm check run: exit 2 for a run that does not exist', async () => {
    const res = await runCli(['check', 'run', 'no-such-run', '--results', tempDir()])
    expect(res.code).toBe(2)
    expect(res.stderr).toMatch(/no run no-such-run/)
  })
})
