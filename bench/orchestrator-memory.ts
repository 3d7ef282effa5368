// Figure 8, orchestrator memory (issue 13): the same mix run for 20 s and for 80 s, each as a
// whole `cmm run workload` in a fresh process; the orchestrator's peak RSS for both and their
// ratio (target: the longer within 1.2x of the shorter: records go to disk as they arrive and
// are judged in a child process). The judge's own peak is reported beside it: the
// linearizability checker still holds each page's ops, so that one grows with the run.
import {spawnSync} from 'node:child_process'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {round, type BenchContext, type BenchRow} from './figure.js'

const FIGURE = '8 overhead: orchestrator memory'
const SHORT_S = 20
const LONG_S = 80

interface Measured {
  readonly peakRssKb: number
  readonly ops: number
  readonly judgeMaxRssKb: number
}

function measure(ctx: BenchContext, seconds: number): Measured {
  const child = fileURLToPath(new URL('./memory-child.js', import.meta.url))
  const r = spawnSync(process.execPath, [child, String(seconds), join(ctx.tmpDir, `memory-${seconds}s`), ctx.redisUrl], {encoding: 'utf8', timeout: (seconds + 120) * 1000})
  if (r.status !== 0) throw new Error(`memory child (${seconds} s) exited ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' ')}`)
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Measured
}

export async function benchOrchestratorMemory(ctx: BenchContext): Promise<BenchRow[]> {
  const short = measure(ctx, SHORT_S)
  const long = measure(ctx, LONG_S)
  const mb = (kb: number) => round(kb / 1024, 1)
  const ratio = long.peakRssKb / short.peakRssKb
  return [
    {figure: FIGURE, metric: `orchestrator peak RSS, ${SHORT_S} s run (${short.ops} ops)`, value: mb(short.peakRssKb), unit: 'MB'},
    {figure: FIGURE, metric: `orchestrator peak RSS, ${LONG_S} s run (${long.ops} ops)`, value: mb(long.peakRssKb), unit: 'MB', ratio: round(ratio, 2), vs: `${SHORT_S} s run (${mb(short.peakRssKb)} MB)`, target: '<= 1.2', met: ratio <= 1.2},
    {figure: FIGURE, metric: `judge child peak RSS, ${SHORT_S} s run`, value: mb(short.judgeMaxRssKb), unit: 'MB'},
    {figure: FIGURE, metric: `judge child peak RSS, ${LONG_S} s run`, value: mb(long.judgeMaxRssKb), unit: 'MB', ratio: round(long.judgeMaxRssKb / short.judgeMaxRssKb, 2), vs: `${SHORT_S} s run`},
  ]
}
