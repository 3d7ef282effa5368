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

  // oclif read the words as a longer command id: "not a cmm command" (exit 127), suggesting the
  // very command that was typed.
  it('an argument to a command that takes none is that command\'s usage error (exit 2)', async () => {
    const r = await runCli(['chaos', 'restart-redis', '0'])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe('cmm chaos restart-redis: Unexpected argument: 0\nSee `cmm chaos restart-redis --help`.\n')
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
    [['chaos', 'kill-node', 'x'], 'cmm chaos kill-node: NODE: expected a whole number of at least 0, found "x"'],
    [['check', 'model', 'workloads/upgrade-race.yaml', '--ops', '0'], 'cmm check model: --ops: expected a whole number 1..1000, found "0"'],
    [['check', 'model', 'workloads/upgrade-race.yaml', '--exhaustive', '--random', '3'], 'cmm check model: --random=3 cannot also be provided when using --exhaustive'],
    [['run', 'workload'], 'cmm run workload: missing argument FILE (workload script (YAML, see docs/WORKLOAD-FORMAT.md))'],
  ])('a bad command line is one line and exit 2: %j', async (argv, line) => {
    const r = await runCli(argv)
    expect(r.code).toBe(2)
    const name = line.slice(0, line.indexOf(':'))
    expect(r.stderr).toBe(`${line}\nSee \`${name} --help\`.\n`)
  })

  // A zero --for ended the fault as it began and was reported applied; a script's for: needs 1ms.
  it.each([
    [['chaos', 'partition', '0', '--for', '0ms']],
    [['chaos', 'kill-node', '0', '--signal', 'STOP', '--for', '0ms']],
  ])('a fault lasting no time is bad input, before any run is looked up: %j', async (argv) => {
    const r = await runCli([...argv, '--results', tempDir()])
    expect([r.code, r.stderr]).toEqual([2, "cmm: --for: expected at least 1ms (as a chaos step's for:), found 0ms\n"])
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

  // Flags.integer failed in oclif's three wrapped lines (`Error: Parsing --nodes`, `Expected an
  // integer ...`), which the one-line catch did not recognise.
  it('refuses a whole-number flag out of range, or not a number, in one line naming the flag', async () => {
    const nodes = await runCli(['run', 'workload', 'workloads/pingpong.yaml', '--nodes', '0'])
    expect(nodes.code).toBe(2)
    expect(nodes.stderr).toBe('cmm run workload: --nodes: expected a whole number 1..256, found "0"\nSee `cmm run workload --help`.\n')
    const id = await runCli(['node', '--redis', 'redis://127.0.0.1:1', '--run', 'r', '--id', 'x'])
    expect(id.code).toBe(2)
    expect(id.stderr).toBe('cmm node: --id: expected a whole number of at least 0, found "x"\nSee `cmm node --help`.\n')
  })

  // Args.integer threw a plain Error: oclif's error box and exit 1, a violation's status.
  it('refuses a node argument that is not a whole number in one line, exit 2', async () => {
    const r = await runCli(['chaos', 'kill-node', 'abc', '--results', tempDir()])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe('cmm chaos kill-node: NODE: expected a whole number of at least 0, found "abc"\nSee `cmm chaos kill-node --help`.\n')
  })

  // The message was cut to its first line: `Missing 1 required arg:` and `The following errors
  // occurred:` named nothing.
  it('names the missing argument and the missing flags', async () => {
    const arg = await runCli(['run', 'workload'])
    expect(arg.code).toBe(2)
    expect(arg.stderr.split('\n')[0]).toBe('cmm run workload: missing argument FILE (workload script (YAML, see docs/WORKLOAD-FORMAT.md))')
    // A long description is whole, not cut where oclif wraps its table.
    const skew = await runCli(['chaos', 'skew', '0'])
    expect(skew.code).toBe(2)
    expect(skew.stderr.split('\n')[0]).toBe('cmm chaos skew: missing argument OFFSET (clock offset, a duration with a unit: 500us, 10ms, 2s, 1m or 1h; negative: -300ms)')
    const flags = await runCli(['node'])
    expect(flags.code).toBe(2)
    expect(flags.stderr.split('\n')[0]).toBe('cmm node: Missing required flag id; Missing required flag redis; Missing required flag run')
  })

  it('a flag given without its value is one line, not oclif\'s error box', async () => {
    const r = await runCli(['check', 'run', 'some-run', '--timeout'])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe('cmm check run: Flag --timeout expects a value\nSee `cmm check run --help`.\n')
  })
})
