// Runs the built CLI (dist/, compiled by `npm test` before vitest) as a user would.
import {spawn, type ChildProcess} from 'node:child_process'
import {existsSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'

export const ROOT = resolve(import.meta.dirname, '../..')
// CMM_TEST_BIN: run the CLI tests against another build (e.g. a checkout before a fix, to see them fail).
const BIN = process.env.CMM_TEST_BIN ?? join(ROOT, 'bin/run.js')

export function assertBuilt(): void {
  if (!existsSync(join(ROOT, 'dist/commands'))) throw new Error('dist/ is missing: run `npm run build` (npm test does it)')
}

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export function startCli(args: string[], cwd = ROOT, env: Record<string, string> = {}): {child: ChildProcess; done: Promise<CliResult>; output: () => string} {
  assertBuilt()
  const child = spawn(process.execPath, [BIN, ...args], {cwd, stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, NO_COLOR: '1', ...env}})
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  const done = new Promise<CliResult>((res) => child.on('close', (code, signal) => res({code, signal, stdout, stderr})))
  return {child, done, output: () => stdout + stderr}
}

export function runCli(args: string[], cwd = ROOT, env: Record<string, string> = {}): Promise<CliResult> {
  return startCli(args, cwd, env).done
}

export function tempDir(prefix = 'cmm-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

export function writeTemp(dir: string, name: string, text: string): string {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

export async function waitFor(pred: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (pred()) return true
    await new Promise((r) => setTimeout(r, 50))
  }
  return pred()
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
