// A whole `cmm run workload`: run, write the results folder, judge the run, write run.json.
import {join} from 'node:path'
import {judgeInChild, judgeRequest} from './judge.js'
import {exitCodeFor} from '../check/verdict.js'
import {EXIT} from '../records/exit-codes.js'
import {summarize, type RunSummary} from '../results/summary.js'
import {writeJsonl, writeRunData, writeSummary} from '../results/write.js'
import {TimelineBuilder} from '../results/timeline.js'
import {runWorkload, type RunOptions} from './orchestrator.js'
import type {RunCollected} from '../records/run.js'
import {hideSecrets} from '../util/redis-url.js'

export interface ExecutedRun {
  readonly run: RunCollected
  readonly summary: RunSummary
  readonly exitCode: number
  /** The judge child's peak resident memory (KiB). */
  readonly judgeMaxRssKb: number
}

/** `command`: the command line that reproduces the run, kept in run.json. */
export async function executeRun(options: RunOptions & {readonly checkTimeoutMs?: number; readonly command?: string}): Promise<ExecutedRun> {
  const timeline = new TimelineBuilder()
  const run = await runWorkload({
    ...options,
    onEvent: (e) => {
      timeline.onEvent(e)
      options.onEvent?.(e)
    },
  })
  await writeRunData(run)
  await writeJsonl(join(run.dir, 'timeline.jsonl'), timeline.rows(run.durationMs))
  // Judged from the files just written, in a child process: the orchestrator's memory stays bounded.
  const {checks, explained, maxRssKb} = await judgeInChild(judgeRequest(run, options.checkTimeoutMs ?? 60_000))
  for (const [name, c] of Object.entries(checks.checks)) options.onEvent?.({type: 'check', name, valid: c.valid, summary: c.summary})
  // A password on the command line (--redis redis://:pw@...) is never written: *** stands for it.
  const judged = {...summarize(run, checks), ...(options.command === undefined ? {} : {command: hideSecrets(options.command)})}
  const summary = explained.length === 0 ? judged : {...judged, explained}
  await writeSummary(run.dir, summary)
  const exitCode = run.end === 'interrupted' ? EXIT.interrupted : run.end === 'failed' ? EXIT.runFailed : exitCodeFor(checks.valid)
  return {run, summary, exitCode, judgeMaxRssKb: maxRssKb}
}
