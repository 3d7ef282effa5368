// The judge's child process (judge.ts): reads a JudgeRequest on stdin, loads the run's record
// files, runs every checker, places the violations of an invalid run; prints one JSON Judgement.
import {text} from 'node:stream/consumers'
import {runChecks} from '../check/run-checks.js'
import {locateViolations} from '../check/locate.js'
import {loadEvidence, withRecords} from '../results/load-run.js'
import type {JudgeRequest, Judgement} from './judge.js'

// A terminal's Ctrl-C reaches the whole process group: the orchestrator decides (its second
// Ctrl-C exits, and it kills this process on its way out).
process.on('SIGINT', () => {})

async function main(): Promise<void> {
  const request = JSON.parse(await text(process.stdin)) as JudgeRequest
  const evidence = await loadEvidence(request.dir, request.facts)
  const checks = runChecks(evidence, {timeoutMs: request.timeoutMs})
  const summary = {settings: request.settings, durationMs: request.facts.durationMs, checks}
  const explained = checks.valid === true ? [] : locateViolations({...withRecords({dir: request.dir, summary, evidence}), summary})
  const answer: Judgement = {checks, explained, maxRssKb: process.resourceUsage().maxRSS}
  process.stdout.write(JSON.stringify(answer))
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`)
  process.exit(1)
})
