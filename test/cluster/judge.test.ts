// The judge child (src/cluster/judge-main.ts) answers while its orchestrator lives and stops when
// it is gone: it used to read its request to the end of stdin and then check on alone, so an
// orchestrator SIGKILLed while judging left it running (seconds for a short run, minutes for a long one).
import {spawn} from 'node:child_process'
import {join} from 'node:path'
import {readdirSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {ROOT, runCli, tempDir, writeTemp} from '../helpers/cli.js'

const JUDGE = process.env.CMM_TEST_JUDGE ?? join(ROOT, 'dist/src/cluster/judge-main.js')
const WORKLOAD = '{name: tiny, cluster: {nodes: 2, pageSize: 512}, files: {a: {pages: 1}}, nodes: {all: [{mix: {ops: 5, read: 50, write: 50, pages: uniform}}]}}\n'

interface Exit {
  code: number | null
  stdout: string
}

/** Starts the judge on `request`; `closeStdin` ends its stdin right after the request line, as an orchestrator's death does. */
function startJudge(request: unknown, closeStdin: boolean): {done: Promise<Exit>; end: () => void} {
  const child = spawn(process.execPath, [JUDGE], {stdio: ['pipe', 'pipe', 'inherit']})
  let stdout = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stdin.write(`${JSON.stringify(request)}\n`)
  if (closeStdin) child.stdin.end()
  return {done: new Promise((res) => child.on('close', (code) => res({code, stdout}))), end: () => child.stdin.end()}
}

describe('the judge child', () => {
  it('answers while its stdin stays open, and exits without judging once it closes', async () => {
    const dir = tempDir()
    const out = join(dir, 'results')
    const run = await runCli(['run', 'workload', writeTemp(dir, 'tiny.yaml', WORKLOAD), '--results', out, '--no-tui'])
    expect(run.code, run.stderr).toBe(0)
    const runDir = join(out, readdirSync(out)[0]!)
    const request = {dir: runDir, facts: {end: 'completed', durationMs: 100, livenessMs: 10_000, copyStrategy: 'ordered'}, settings: {nodes: 2, granularity: 'page'}, timeoutMs: 60_000}

    const kept = startJudge(request, false)
    const answer = await kept.done
    expect(answer.code).toBe(0)
    expect((JSON.parse(answer.stdout) as {checks: {valid: unknown}}).checks.valid).toBe(true)

    const orphaned = await startJudge(request, true).done
    expect(orphaned.code).toBe(1)
    expect(orphaned.stdout).toBe('')
  }, 60_000)
})
