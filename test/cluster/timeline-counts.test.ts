// The run's files against run.json: timeline.jsonl's ticks end at the run's ops, and their
// latencies are the histograms' samples, the last ops (recorded after the nodes' last progress
// report) included; the counters are requests.jsonl's callbacks and write-backs, those a node
// did after its own ops (serving the others, the end-of-run write-back) included.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {executeRun} from '../../src/cluster/execute.js'
import {parseWorkload} from '../../src/workload/index.js'
import {decodeHistogram} from '../../src/metrics/histogram.js'
import {parseTimeline, type TimelineTick} from '../../src/results/timeline.js'
import type {RunEvent} from '../../src/records/run.js'
import type {RequestLogEntry} from '../../src/records/request-log.js'
import {tempDir} from '../helpers/cli.js'

// Closed loop, well under a second of work per node: most ops complete after the nodes' first
// (and only) progress report, which is what the timeline used to miss.
const WORKLOAD = `name: short
description: two nodes, a few hundred ops
cluster: { nodes: 2, pageSize: 512 }
files: { a: { pages: 4 } }
nodes:
  all: [ { mix: { ops: 150, read: 60, write: 40, pages: uniform } } ]
`

/** Samples of the `op:*` keys in a set of HISTF strings. */
function opSamples(hist: Readonly<Record<string, string>>): number {
  return Object.entries(hist).filter(([key]) => key.startsWith('op:')).reduce((n, [, s]) => n + decodeHistogram(s).totalCount, 0)
}

describe('timeline.jsonl', () => {
  it('ends at the run\'s ops, with every timed op\'s latency in some tick; the last progress event says the same', async () => {
    const events: RunEvent[] = []
    const {run, summary} = await executeRun({workload: parseWorkload(WORKLOAD, 'short.yaml'), seed: 5, outDir: tempDir(), onEvent: (e) => events.push(e)})
    expect(run.end).toBe('completed')
    expect(summary.ops).toBe(300)
    const ticks = parseTimeline(readFileSync(join(run.dir, 'timeline.jsonl'), 'utf8'), 'timeline.jsonl').filter((r): r is TimelineTick => r.kind === 'tick')
    expect(ticks.at(-1)!.ops).toBe(summary.ops)
    // The last bucket ends with the run (t is rounded to 0.1 ms), not at the next whole second.
    expect(Math.abs(ticks.at(-1)!.t - summary.durationMs)).toBeLessThanOrEqual(0.05)
    const ticked = ticks.reduce((n, t) => n + opSamples(t.hist), 0)
    const histogrammed = run.nodes.reduce((n, node) => n + opSamples(node.histograms?.corrected ?? {}), 0)
    expect(histogrammed).toBe(summary.ops)
    expect(ticked).toBe(histogrammed)
    const progress = events.filter((e): e is Extract<RunEvent, {type: 'progress'}> => e.type === 'progress')
    expect(progress.at(-1)!.done).toBe(summary.ops)
  }, 60_000)

  it('counts the callbacks a node answered and the pages it wrote back after its own ops were done, as requests.jsonl has them', async () => {
    // Node 0 is done after a few writes and keeps the page cached dirty: node 1's later writes
    // call it back, and it answers (with a write-back) after its done report.
    const workload = parseWorkload(`name: early
description: node 0 finishes first, node 1 keeps calling its page back
cluster: { nodes: 2, pageSize: 512 }
files: { a: { pages: 2 } }
nodes:
  "0": [ { repeat: 5, do: [ { write: a/0 }, { write: a/1 } ] } ]
  "1": [ { sleep: 300ms }, { repeat: 40, do: [ { write: a/0 }, { write: a/1 } ] } ]
`, 'early.yaml')
    const {run, summary} = await executeRun({workload, seed: 5, outDir: tempDir()})
    expect(run.end).toBe('completed')
    const requests = readFileSync(join(run.dir, 'requests.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as RequestLogEntry)
    const answered = requests.filter((q) => q.event === 'answered')
    const c = summary.counters
    expect(c.callbacks.release + c.callbacks.downgrade).toBe(answered.length)
    const written = requests.flatMap((q) => (q.event === 'request' && (q.request === 'demote' || q.request === 'writeback') ? [q.pages ?? 0] : [])).reduce((n, p) => n + p, 0)
    expect(c.pagesWrittenBack).toBe(written)
    expect(c.pagesWrittenBack).toBeGreaterThan(0)
  }, 60_000)
})
