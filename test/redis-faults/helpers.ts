// Runs a workload through the CLI and reads what it stored, for the Redis fault tests.
import {execFileSync} from 'node:child_process'
import {readFileSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {expect} from 'vitest'
import {runCli, tempDir, writeTemp} from '../helpers/cli.js'

export interface StoredRun {
  code: number | null
  stdout: string
  stderr: string
  dir: string
  summary: ReturnType<typeof JSON.parse>
}

export async function runStored(yaml: string, flags: string[]): Promise<StoredRun> {
  const root = tempDir()
  const out = join(root, 'results')
  const file = writeTemp(root, 'w.yaml', yaml)
  const res = await runCli(['run', 'workload', file, '--out', out, '--seed', '1', '--no-tui', ...flags])
  const runs = readdirSync(out).filter((d) => !d.startsWith('.'))
  expect(runs, res.stderr).toHaveLength(1)
  const dir = join(out, runs[0]!)
  return {code: res.code, stdout: res.stdout, stderr: res.stderr, dir, summary: JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'))}
}

/** Processes whose command line names the run's folder or id (Redis servers, Sentinels, nodes). */
export function processesOf(run: StoredRun): string[] {
  const lines = execFileSync('ps', ['-eo', 'pid,args'], {encoding: 'utf8'}).split('\n')
  return lines.filter((l) => l.includes(run.dir) || l.includes(run.summary.runId as string))
}

export function sentinelAvailable(): boolean {
  try {
    execFileSync('redis-sentinel', ['--version'], {stdio: 'ignore'})
    return true
  } catch {
    return false
  }
}
