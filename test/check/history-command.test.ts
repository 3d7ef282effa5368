// `cmm check history`, run as users run it: the built CLI in a child process, so that
// exit statuses, stdout and stderr are the real ones.
import {spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {hardHistory, toJsonl} from './helpers.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const BUILT = join(ROOT, 'dist/commands/check/history.js')
const EXAMPLES = join(ROOT, 'examples/histories')

let dir = ''

function cmm(...args: string[]): {code: number | null; stdout: string; stderr: string} {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/run.js'), 'check', 'history', ...args], {cwd: ROOT, encoding: 'utf8'})
  return {code: r.status, stdout: r.stdout, stderr: r.stderr}
}

function file(name: string, text: string): string {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

beforeAll(() => {
  // `npm test` builds first; build here only when run on its own in a fresh checkout.
  if (!existsSync(BUILT)) spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], {cwd: ROOT, stdio: 'ignore'})
  dir = mkdtempSync(join(tmpdir(), 'cmm-check-history-'))
})

afterAll(() => {
  rmSync(dir, {recursive: true, force: true})
})

describe('cmm check history', () => {
  it('exits 0 and prints a verdict line per linearizable file', () => {
    const r = cmm(join(EXAMPLES, 'linearizable.jsonl'), join(EXAMPLES, 'info-and-cas.jsonl'))
    expect(r.code).toBe(0)
    const lines = r.stdout.trim().split('\n')
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatch(/linearizable\.jsonl: linearizable \(2 keys, 7 ops, \d+ ms\)$/)
    expect(lines[1]).toMatch(/info-and-cas\.jsonl: linearizable \(1 key, 6 ops, \d+ ms\)$/)
    expect(r.stderr).toBe('')
  })

  it('exits 1 for a history that is not linearizable, and says where', () => {
    const r = cmm(join(EXAMPLES, 'linearizable.jsonl'), join(EXAMPLES, 'stale-read.jsonl'))
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('linearizable.jsonl: linearizable')
    expect(r.stdout).toContain('stale-read.jsonl: NOT linearizable: key "a/0"')
    expect(r.stdout).toContain('after it the register holds "n1:2"')
    expect(r.stdout).toContain('cannot place: process 0 read "n0:1" (lines 9-10)')
  })

  it('prints the failure report as JSON with --json', () => {
    const r = cmm('--json', join(EXAMPLES, 'stale-read.jsonl'))
    expect(r.code).toBe(1)
    const out = JSON.parse(r.stdout) as {
      valid: unknown
      exitCode: number
      files: {valid: unknown; failure: {key: string; prefix: {value: unknown}[]; blocked: {value: unknown; invokeLine: number; index: number}}}[]
    }
    expect(out.valid).toBe(false)
    expect(out.exitCode).toBe(1)
    const f = out.files[0]!.failure
    expect(f.key).toBe('a/0')
    expect(f.prefix.map((op) => op.value)).toEqual(['n0:1', 'n1:2'])
    expect(f.blocked).toMatchObject({value: 'n0:1', invokeLine: 9, index: 8})
  })

  it('prints valid histories as JSON too', () => {
    const r = cmm('--json', join(EXAMPLES, 'linearizable.jsonl'))
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({valid: true, exitCode: 0, files: [{valid: true, keys: 2, ops: 7}]})
  })

  it.each([
    ['bad JSON', 'bad-json.jsonl', '{"process":0,"type":"invoke","f":"write","value":1}\n{"process":0,"type":"ok","f":"write","value":1}\nnot json\n', 3, /invalid JSON/],
    ['missing field', 'missing.jsonl', '{"process":0,"type":"invoke","f":"write","value":1}\n{"process":0,"f":"write","value":1}\n', 2, /missing field "type"/],
    [
      'double invoke',
      'double.jsonl',
      '{"process":0,"type":"invoke","f":"write","value":1}\n{"process":1,"type":"invoke","f":"read"}\n{"process":0,"type":"invoke","f":"read"}\n',
      3,
      /process 0 invokes again while its write from line 1 is still open/,
    ],
  ])('exits 2 for a malformed file (%s) with FILE:LINE and no stack trace', (_name, name, text, line, message) => {
    const path = file(name, text)
    const r = cmm(path)
    expect(r.code).toBe(2)
    const err = r.stderr.trim().split('\n')
    expect(err).toHaveLength(1)
    expect(err[0]!.startsWith(`${path}:${line}: `)).toBe(true)
    expect(err[0]).toMatch(message)
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })

  it('exits 2 for a file it cannot read', () => {
    const r = cmm(join(dir, 'nope.jsonl'))
    expect(r.code).toBe(2)
    expect(r.stderr.trim()).toBe(`${join(dir, 'nope.jsonl')}: cannot read: ENOENT`)
  })

  it('still checks the other files, and a violation outranks a malformed file', () => {
    const bad = file('bad-2.jsonl', 'nope\n')
    const r = cmm(bad, join(EXAMPLES, 'linearizable.jsonl'))
    expect(r.code).toBe(2)
    expect(r.stdout).toContain('linearizable.jsonl: linearizable')
    expect(cmm(bad, join(EXAMPLES, 'stale-read.jsonl')).code).toBe(1)
  })

  it('exits 3 with an unknown verdict when the time limit runs out', () => {
    const hard = file('hard.jsonl', toJsonl(hardHistory(40)))
    const r = cmm('--timeout', '200ms', hard)
    expect(r.code).toBe(3)
    expect(r.stdout).toMatch(/hard\.jsonl: unknown: the time limit ran out on key \(the register\)/)
    const json = cmm('--json', '--timeout', '0.2s', hard)
    expect(json.code).toBe(3)
    expect(JSON.parse(json.stdout)).toMatchObject({valid: 'unknown', files: [{valid: 'unknown', gaveUp: {key: null, reason: 'deadline'}}]})
  })

  it('rejects a malformed --timeout', () => {
    const r = cmm('--timeout', 'soon', join(EXAMPLES, 'linearizable.jsonl'))
    expect(r.code).toBe(2)
    expect(r.stderr.trim()).toBe('cmm check history: --timeout: expected a duration with a unit: 500us, 10ms, 2s, 1m or 1h, found "soon"\nSee `cmm check history --help`.')
  })

  it('refuses a --timeout without a unit, and says so (it once meant seconds here)', () => {
    const r = cmm('--timeout', '30', join(EXAMPLES, 'linearizable.jsonl'))
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--timeout: 30 has no unit; expected a duration with a unit')
  })
})

describe('cmm check history: numbers and empty files', () => {
  it('refuses values that read as Infinity, with the line (1e999 and 2e999 would compare equal)', () => {
    const path = file('inf.jsonl', [
      '{"process":0,"type":"invoke","f":"write","value":1e999}',
      '{"process":0,"type":"ok","f":"write","value":1e999}',
      '{"process":1,"type":"invoke","f":"read","value":null}',
      '{"process":1,"type":"ok","f":"read","value":2e999}',
    ].join('\n') + '\n')
    const r = cmm(path)
    expect(r.code).toBe(2)
    expect(r.stderr.trim()).toBe(`${path}:1: the number 1e999 in "value" is out of range (it reads as Infinity); write it as a string`)
  })

  it('refuses integers past 2^53 that would read as a neighbour, with the line', () => {
    const path = file('big.jsonl', [
      '{"process":0,"type":"invoke","f":"write","value":9007199254740992}',
      '{"process":0,"type":"ok","f":"write","value":9007199254740992}',
      '{"process":1,"type":"invoke","f":"read","value":null}',
      '{"process":1,"type":"ok","f":"read","value":9007199254740993}',
    ].join('\n') + '\n')
    const r = cmm(path)
    expect(r.code).toBe(2)
    expect(r.stderr.trim()).toBe(`${path}:4: the number 9007199254740993 in "value" cannot be compared exactly (it reads as 9007199254740992); write it as a string`)
  })

  it('accepts exact numbers however written, and the same digits inside strings', () => {
    const path = file('exact.jsonl', [
      '{"process":0,"type":"invoke","f":"write","value":9007199254740992,"key":"k9007199254740993"}',
      '{"process":0,"type":"ok","f":"write","value":9.007199254740992e15,"key":"k9007199254740993"}',
      '{"process":1,"type":"invoke","f":"read","value":null,"key":"k9007199254740993","time":12345678901234567890}',
      '{"process":1,"type":"ok","f":"read","value":0.1000000000000000,"key":"k9007199254740993"}',
    ].join('\n') + '\n')
    const r = cmm(path)
    expect(r.stderr).toBe('')
    expect(r.code).toBe(1) // a read of 0.1 after a write of 2^53: not linearizable, and judged
  })

  it('an empty history says it holds no ops, exit 2', () => {
    for (const [name, text] of [['empty.jsonl', ''], ['blank.jsonl', '\n\n'], ['nemesis.jsonl', '{"process":"nemesis","type":"info","f":"start"}\n']]) {
      const path = file(name!, text!)
      const r = cmm(path)
      expect(r.stdout).toBe('')
      expect(r.stderr.trim()).toBe(`${path}: holds no ops (empty, or only blank and nemesis lines): nothing to check`)
      expect(r.code).toBe(2)
    }
  })
})
