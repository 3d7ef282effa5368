// The judge's child process (judge.ts): reads a JudgeRequest (one JSON line) on stdin, loads the
// run's record files, runs every checker, places the violations of an invalid run; prints one
// JSON Judgement.
//
// The orchestrator keeps the stdin pipe open until it has the answer, so its end means the
// orchestrator is gone (SIGKILLed, crashed): the judge then exits instead of checking on alone
// (seconds for a short run, minutes for a long one). The checks are synchronous CPU work, so they
// run in a worker thread and this thread stays free to see the pipe end.
import {isMainThread, parentPort, Worker, workerData} from 'node:worker_threads'
import {runChecks} from '../check/run-checks.js'
import {locateViolations} from '../check/locate.js'
import {loadEvidence, withRecords} from '../results/load-run.js'
import type {JudgeRequest, Judgement} from './judge.js'

/** Exit status when the orchestrator went away before the answer (nobody reads it). */
const ORPHANED = 1

async function judge(request: JudgeRequest): Promise<Judgement> {
  const evidence = await loadEvidence(request.dir, request.facts)
  const checks = runChecks(evidence, {timeoutMs: request.timeoutMs})
  const summary = {settings: request.settings, durationMs: request.facts.durationMs, checks}
  const explained = checks.valid === true ? [] : locateViolations({...withRecords({dir: request.dir, summary, evidence}), summary})
  return {checks, explained, maxRssKb: process.resourceUsage().maxRSS}
}

/** The first line on stdin (the request); the stream stays open and is watched afterwards. */
function firstLine(input: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = ''
    const onData = (chunk: string) => {
      buffered += chunk
      const end = buffered.indexOf('\n')
      if (end < 0) return
      input.off('data', onData)
      resolve(buffered.slice(0, end))
    }
    input.setEncoding('utf8')
    input.on('data', onData)
    input.once('end', () => reject(new Error('stdin ended before a request line')))
  })
}

/**
 * Run from sources (in-process tests import src/ under tsx): a worker thread of Node 20 gets no
 * tsx and cannot load this .ts file, so the checks run on this thread; the pipe's end is then
 * seen only once they are done. Built (dist/, what `cmm` runs), they run in a worker.
 */
const FROM_SOURCES = import.meta.url.endsWith('.ts')

function answer(judgement: Judgement): void {
  process.stdout.write(JSON.stringify(judgement), () => process.exit(0))
}

function fatal(error: Error): never {
  process.stderr.write(`${error.stack ?? error.message}\n`)
  process.exit(1)
}

async function main(): Promise<void> {
  // A terminal's Ctrl-C reaches the whole process group: the orchestrator decides (its second
  // Ctrl-C exits, and it kills this process on its way out).
  process.on('SIGINT', () => {})
  const request = JSON.parse(await firstLine(process.stdin)) as JudgeRequest
  process.stdin.on('end', () => process.exit(ORPHANED))
  process.stdin.on('error', () => process.exit(ORPHANED))
  process.stdin.resume()
  if (FROM_SOURCES) return answer(await judge(request))
  const worker = new Worker(new URL(import.meta.url), {workerData: request})
  worker.once('message', answer)
  worker.once('error', fatal)
}

if (isMainThread) main().catch(fatal)
else judge(workerData as JudgeRequest).then((answer) => parentPort!.postMessage(answer), (error: Error) => {
  // Rethrown outside the promise: the main thread's 'error' handler reports it and exits 1.
  setImmediate(() => { throw error })
})
