// timeline.jsonl against run.json: the ticks end at the run's ops, and their latencies are the
// histograms' samples, the last ops (recorded after the nodes' last progress report) included.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {executeRun} from '../../src/cluster/execute.js'
import {parseWorkload} from '../../src/workload/index.js'
import {decodeHistogram} from '../../src/metrics/histogram.js'
import {parseTimeline, type TimelineTick} from '../../src/results/timeline.js'
import type {RunEvent} from '../../src/records/run.js'
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
    const ticked = ticks.reduce((n, t) => n + opSamples(t.hist), 0)
    const histogrammed = run.nodes.reduce((n, node) => n + opSamples(node.histograms?.corrected ?? {}), 0)
    expect(histogrammed).toBe(summary.ops)
    expect(ticked).toBe(histogrammed)
    const progress = events.filter((e): e is Extract<RunEvent, {type: 'progress'}> => e.type === 'progress')
    expect(progress.at(-1)!.done).toBe(summary.ops)
  }, 60_000)
})
