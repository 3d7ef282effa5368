// The checks of a run that just ended, run in a child process on its results folder (issue 13):
// the linearizability checker holds each page's ops in memory, so judging in the orchestrator
// would make its peak memory grow with the run's length. The child reads the record files, runs
// every checker and, for an invalid run, places the violations; it answers with one JSON line.
import {spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import type {ChecksReport} from '../check/verdict.js'
import type {LocatedViolation} from '../records/violation.js'
import type {RunCollected} from '../records/run.js'
import type {EvidenceFacts} from '../results/load-run.js'

/** What the child is told (one JSON line on its stdin, which then stays open while this process lives). */
export interface JudgeRequest {
  readonly dir: string
  readonly facts: EvidenceFacts
  /** What the explanations need of run.json. */
  readonly settings: {readonly nodes: number; readonly granularity: string}
  readonly timeoutMs: number
}

export interface Judgement {
  readonly checks: ChecksReport
  readonly explained: readonly LocatedViolation[]
  /** The child's peak resident memory (KiB): what judging the run cost. */
  readonly maxRssKb: number
}

export function judgeRequest(run: RunCollected, timeoutMs: number): JudgeRequest {
  const facts = {end: run.end, durationMs: run.durationMs, livenessMs: run.livenessMs, deadProcesses: run.faults?.deadProcesses, copyStrategy: run.workload.cluster.copyStrategy}
  return {dir: run.dir, facts, settings: {nodes: run.workload.cluster.nodes, granularity: run.workload.cluster.granularity}, timeoutMs}
}

function judgeEntry(): {execArgv: string[]; script: string} {
  const js = fileURLToPath(new URL('./judge-main.js', import.meta.url))
  if (existsSync(js)) return {execArgv: [], script: js}
  return {execArgv: ['--import', 'tsx'], script: fileURLToPath(new URL('./judge-main.ts', import.meta.url))}
}

export function judgeInChild(request: JudgeRequest): Promise<Judgement> {
  const {execArgv, script} = judgeEntry()
  const child = spawn(process.execPath, [...execArgv, script], {stdio: ['pipe', 'pipe', 'pipe']})
  // The orchestrator quitting at once (a second Ctrl-C) takes the judge with it.
  const killChild = () => child.kill('SIGKILL')
  process.once('exit', killChild)
  let out = ''
  let err = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d))
  // One line, and the pipe left open: the judge exits when it ends, i.e. when this process is
  // gone (judge-main.ts), so a SIGKILLed orchestrator leaves no judge checking on its own.
  child.stdin.write(`${JSON.stringify(request)}\n`)
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code) => {
      process.off('exit', killChild)
      if (code !== 0) return reject(new Error(`checking the run failed (exit ${code}): ${err.trim() || out.trim()}`))
      try {
        resolve(JSON.parse(out) as Judgement)
      } catch (error) {
        reject(new Error(`checking the run: unreadable answer: ${(error as Error).message}`))
      }
    })
  })
}
