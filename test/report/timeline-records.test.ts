// The timeline of a run with no violation reads the trace, locks and requests of its chosen
// units only (figure 8's cut): the page is the same as from every record, line numbers included.
import {mkdirSync, readFileSync, readdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {runCli, tempDir, writeTemp} from '../helpers/cli.js'
import {loadRunRecords, loadTimelineRecords} from '../../src/report/timeline/records.js'
import {buildTimeline, unitsWithoutViolations} from '../../src/report/timeline/build.js'
import {timelineHtml} from '../../src/report/timeline/html.js'

const MIX = `
name: timeline-records
description: 3 nodes, zipf over 16 pages
cluster: {nodes: 3, granularity: page, states: shared, pageSize: 256}
files: {a: {pages: 16}}
nodes:
  all:
    - mix: {ops: 300, read: 70, write: 30, pages: zipf, files: [a]}
`

describe('timeline records', () => {
  it('a clean run: only the chosen units\' trace, locks and requests are read, and the page is the same', async () => {
    const dir = tempDir()
    const out = join(dir, 'runs')
    const run = await runCli(['run', 'workload', writeTemp(dir, 'w.yaml', MIX), '--out', out, '--seed', '1', '--no-tui'])
    expect(run.code, run.stderr).toBe(0)
    const runDir = join(out, readdirSync(out)[0]!)
    const full = await loadRunRecords(runDir)
    const chosen = (u: readonly string[]) => (h: Parameters<typeof unitsWithoutViolations>[0], s: Parameters<typeof unitsWithoutViolations>[1]) => unitsWithoutViolations(h, s, {units: u})
    for (const units of [[], ['a/3', 'a/9']]) {
      const part = await loadTimelineRecords(runDir, chosen(units))
      expect(part.requests.length).toBeLessThan(full.requests.length)
      expect(part.locks.length).toBeLessThan(full.locks.length)
      expect(part.trace.length).toBeLessThan(full.trace.length)
      expect(timelineHtml(buildTimeline(part, {units}))).toBe(timelineHtml(buildTimeline(full, {units})))
    }
    // Each request kept knows its line in requests.jsonl.
    const part = await loadTimelineRecords(runDir, chosen(['a/3']))
    const lines = readFileSync(join(runDir, 'requests.jsonl'), 'utf8').split('\n')
    part.requests.forEach((q, i) => expect(JSON.parse(lines[part.requestLines![i]! - 1]!)).toEqual(q))
  }, 60_000)

  it('refuses a results folder of an older format (exit 2), valid run or not', async () => {
    const dir = tempDir()
    const runDir = join(dir, '20260101-000000-abcd')
    mkdirSync(runDir)
    writeFileSync(join(runDir, 'run.json'), JSON.stringify({format: 0, end: 'completed', durationMs: 10, checks: {valid: true, checks: {}}, settings: {}}))
    writeFileSync(join(runDir, 'history.jsonl'), '')
    writeFileSync(join(runDir, 'trace.jsonl'), '')
    await expect(loadTimelineRecords(runDir, () => [])).rejects.toThrow(/results format 0, this cmm reads format 1 \(an older format\)/)
    const r = await runCli(['report', 'timeline', runDir])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('an older format')
  })

  // Both drew an empty page, "0 bars", exit 0: a typo in --unit or --from went unnoticed.
  it('refuses a --unit the run never touched and a --from past its end (exit 2)', async () => {
    const dir = tempDir()
    const out = join(dir, 'runs')
    const run = await runCli(['run', 'workload', writeTemp(dir, 'w.yaml', MIX.replace('ops: 300', 'ops: 5').replace('pages: 16', 'pages: 1')), '--out', out, '--no-tui'])
    expect(run.code, run.stderr).toBe(0)
    const id = readdirSync(out)[0]!
    const unit = await runCli(['report', 'timeline', id, '--results', out, '--unit', 'a/0,zz/9', '--out', join(dir, 't.html')])
    expect(unit.code).toBe(2)
    expect(unit.stderr).toBe('cmm: --unit zz/9: no such lock unit in this run (its units: a/0)\n')
    const from = await runCli(['report', 'timeline', id, '--results', out, '--from', '1h', '--out', join(dir, 't.html')])
    expect(from.code).toBe(2)
    expect(from.stderr).toMatch(/^cmm: --from 3600000ms: at or after the run's end \(\d+\.\dms\)\n$/)
  }, 60_000)
})
