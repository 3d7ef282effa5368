// The CLI as oclif conventions promise it: help by topic, suggestions for misspelt commands and
// flags, a version line that is oclif's own, and a manifest so that help loads no command.
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {join, sep} from 'node:path'
import {Config} from '@oclif/core'
import {describe, expect, it} from 'vitest'
import {ROOT, runCli, tempDir} from '../helpers/cli.js'

describe('cmm as an oclif CLI', () => {
  it('prints the same version line as oclif (bin/run.js answers --version without loading oclif)', async () => {
    const config = await Config.load(ROOT)
    const r = await runCli(['--version'])
    expect(r.code).toBe(0)
    expect(r.stdout.trim()).toBe(config.userAgent)
  })

  it('has a manifest listing every command, so help and lookup load no command code', () => {
    const file = join(ROOT, 'oclif.manifest.json')
    expect(existsSync(file)).toBe(true)
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as {commands: Record<string, unknown>}
    // Every command file (commands/TOPIC/NAME.ts is TOPIC:NAME), and nothing else.
    const ids = readdirSync(join(ROOT, 'commands'), {recursive: true, encoding: 'utf8'})
      .filter((f) => f.endsWith('.ts'))
      .map((f) => f.slice(0, -3).split(sep).join(':'))
    expect(ids.length).toBeGreaterThan(8)
    expect(Object.keys(manifest.commands).sort()).toEqual(ids.sort())
  })

  it('help states no figure of the machine that built it (the manifest is written at build and shipped)', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, {flags: Record<string, {description?: string}>}>}
    const workers = manifest.commands['check:model']!.flags['workers']!.description ?? ''
    expect(workers).toContain('default: the number of CPU cores')
    expect(workers).not.toMatch(/\d+ here/)
  })

  it('`cmm help run workload` prints that command\'s help', async () => {
    const r = await runCli(['help', 'run', 'workload'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('$ cmm run workload FILE')
    expect(r.stdout).toContain('--seed')
  })

  it('a misspelt command suggests the right one, in the words a person types', async () => {
    const r = await runCli(['run', 'workloda'])
    expect(r.code).toBe(127)
    expect(r.stderr).toContain('did you mean `cmm run workload`?')
    expect(r.stderr).not.toContain('run:workloda')
  })

  it('a misspelt flag gets a short error that suggests the flag, not the whole help', async () => {
    const r = await runCli(['run', 'workload', 'workloads/pingpong.yaml', '--sed', '3'])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe('cmm run workload: Nonexistent flag: --sed; did you mean --seed?\nSee `cmm run workload --help`.\n')
    expect(r.stdout).toBe('')
  })

  // Every input error found while parsing is one line and exit 2 (README "Exit codes"): a bad
  // integer argument was a plain error with exit 1 (a check's violation status), a flag value out
  // of range or two exclusive flags several lines in oclif's own shape.
  it.each([
    [['chaos', 'kill-node', 'x'], 'cmm chaos kill-node: Expected an integer but received: x'],
    [['check', 'model', 'workloads/upgrade-race.yaml', '--ops', '0'], 'cmm check model: --ops: Expected an integer greater than or equal to 1 but received: 0'],
    [['check', 'model', 'workloads/upgrade-race.yaml', '--exhaustive', '--random', '3'], 'cmm check model: --random=3 cannot also be provided when using --exhaustive'],
    [['run', 'workload'], 'cmm run workload: Missing 1 required arg: file workload script (YAML, see docs/WORKLOAD-FORMAT.md)'],
  ])('a bad command line is one line and exit 2: %j', async (argv, line) => {
    const r = await runCli(argv)
    expect(r.code).toBe(2)
    const name = line.slice(0, line.indexOf(':'))
    expect(r.stderr).toBe(`${line}\nSee \`${name} --help\`.\n`)
  })

  it('a swapped pair of letters is one typo: --sede suggests --seed', async () => {
    const r = await runCli(['run', 'workload', 'workloads/pingpong.yaml', '--sede', '3'])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe('cmm run workload: Nonexistent flag: --sede; did you mean --seed?\nSee `cmm run workload --help`.\n')
  })

  it('names the results folder --results everywhere, and still takes the old --out', async () => {
    for (const flag of ['--results', '--out']) {
      const r = await runCli(['check', 'run', 'no-such-run', flag, tempDir()])
      expect(r.code).toBe(2)
      expect(r.stderr).toContain('no-such-run')
    }
    const help = await runCli(['chaos', 'kill-node', '--help'])
    expect(help.stdout).toContain('--results=<dir>')
    expect(help.stdout).not.toContain('--out')
  })

  it('prints data as JSON on every data command: check model with --json (and the old --copy)', async () => {
    const r = await runCli(['check', 'model', 'workloads/upgrade-race.yaml', '--ops', '2', '--copy', 'ordered', '--json'])
    expect(r.code).toBe(0)
    const outcome = JSON.parse(r.stdout) as {verdict: string; exitCode: number; lines: string[]}
    expect(outcome.verdict).toBe('no-violation')
    expect(outcome.exitCode).toBe(0)
    expect(outcome.lines.at(-1)).toContain('no violation')
  })

  it('refuses a duration flag without a unit in one line that says so', async () => {
    const r = await runCli(['check', 'model', 'workloads/upgrade-race.yaml', '--budget', '500'])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe('cmm check model: --budget: 500 has no unit; expected a duration with a unit: 500us, 10ms, 2s, 1m or 1h\nSee `cmm check model --help`.\n')
  })
})
