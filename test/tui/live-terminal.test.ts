// The whole live view in a real terminal (tmux, 80x24): a 4-node run shows its nodes, busy
// units, latency and events; `p` pauses and resumes the workload; `q` ends the run cleanly.
import {existsSync, readFileSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {assertBuilt, ROOT, tempDir, writeTemp} from '../helpers/cli.js'
import {runInTmux, tmuxAvailable} from '../../bench/tmux.js'

const LONG4 = `
name: live4
description: four nodes, open-ended, for the live view
cluster: { nodes: 4, pageSize: 512 }
files: { a: { pages: 8 }, b: { pages: 8 } }
nodes:
  all: [ { mix: { duration: 60s, read: 60, write: 30, copy: 10, pages: zipf } } ]
`

const SHORT2 = `
name: short2
cluster: { nodes: 2, pageSize: 512 }
files: { a: { pages: 2 } }
nodes:
  all: [ { mix: { ops: 200, read: 50, write: 50, pages: uniform } } ]
`

describe.skipIf(!tmuxAvailable())(`live view in a terminal${tmuxAvailable() ? '' : ' (skipped: tmux is not installed)'}`, () => {
  it('shows a 4-node run at 80x24, pauses with p, ends cleanly with q', async () => {
    assertBuilt()
    const dir = tempDir()
    const file = writeTemp(dir, 'live4.yaml', LONG4)
    const out = join(dir, 'results')
    const t = runInTmux([process.execPath, join(ROOT, 'bin/run.js'), 'run', 'workload', file, '--results', out, '--seed', '5'], {cwd: ROOT, width: 80, height: 24})
    try {
      expect(await t.waitFor(/^\s+3\s+alive\s+\d+/m, 30_000)).toBe(true)
      expect(await t.waitFor(/^op:read\s+\d/m, 10_000)).toBe(true)
      const screen = t.capture()
      const lines = screen.split('\n')
      expect(lines[0]).toMatch(/cmm live4\s+running\s+p pause {2}q quit/)
      expect(screen).toMatch(/ops\/s [▁▂▃▄▅▆▇█]+ max/)
      expect(lines[1]).toMatch(/█*░+ [\d,]+ ops, \d+% of 1m00s\s+[\d.]+s\s+ETA \d+/) // time-bound: progress by time
      for (const n of [0, 1, 2, 3]) expect(screen).toMatch(new RegExp(`^\\s+${n}\\s+alive\\s+\\d+\\s+\\d`, 'm'))
      expect(screen).toMatch(/busy units \(\d+\)/)
      expect(screen).toMatch(/latency, last 2s \(corrected\)/)
      expect(screen).toMatch(/4 nodes started/)

      t.keys('p')
      expect(await t.waitFor(/^\s+0\s+paused/m, 10_000)).toBe(true)
      expect(t.capture()).toMatch(/cmm live4\s+paused\s+p resume/)
      t.keys('p')
      expect(await t.waitFor(/^\s+0\s+alive/m, 10_000)).toBe(true)

      t.keys('q')
      expect(await t.waitFor(/^EXIT=\d+$/m, 30_000, 500)).toBe(true)
      expect(t.exitCode()).toBe(130)
      const all = t.capture(500)
      expect(all).toMatch(/ended: interrupted/)
      expect(all).toMatch(/cmm live4\s+finished/)
      // q is a graceful end: the shortened run is judged with all five checks, none undecided.
      for (const check of ['coherence', 'linearizable', 'no-lost-writes', 'liveness', 'deadlock']) expect(all).toMatch(new RegExp(`^\\s+${check}\\s+valid\\s`, 'm'))
      expect(all).toMatch(/^verdict: valid/m)
      expect(all).not.toMatch(/Error|at .*\.js:\d+/)
      const runs = readdirSync(out)
      expect(runs).toHaveLength(1)
      const summary = JSON.parse(readFileSync(join(out, runs[0]!, 'run.json'), 'utf8'))
      expect(summary.end).toBe('interrupted')
      expect(Object.values(summary.checks.checks).map((c) => (c as {valid: unknown}).valid)).toEqual([true, true, true, true, true])
      const timeline = readFileSync(join(out, runs[0]!, 'timeline.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
      const events = timeline.filter((r) => r.kind === 'event').map((r) => r.event)
      expect(events).toEqual(expect.arrayContaining(['pause', 'resume']))
      expect(timeline.filter((r) => r.kind === 'tick').length).toBeGreaterThan(0)
      expect(existsSync(join(out, runs[0]!, 'histograms/merged/op-read.histf'))).toBe(true)
    } finally {
      t.kill()
    }
  })

  // Ink draws only the final frame under CI, so a terminal there gets plain progress lines.
  it('prints plain progress lines instead of the live view when CI is set', async () => {
    assertBuilt()
    const dir = tempDir()
    const file = writeTemp(dir, 'short.yaml', SHORT2)
    const t = runInTmux([process.execPath, join(ROOT, 'bin/run.js'), 'run', 'workload', file, '--results', join(dir, 'results'), '--seed', '5'],
      {cwd: ROOT, width: 80, height: 24, env: {CI: 'true'}})
    try {
      expect(await t.waitFor(/^EXIT=\d+$/m, 60_000, 500)).toBe(true)
      expect(t.exitCode()).toBe(0)
      const all = t.capture(500)
      expect(all).toMatch(/^run \S+: 2 nodes started/m)
      expect(all).toMatch(/^\s+linearizable\s+valid/m)
      expect(all).toMatch(/^verdict: valid/m)
      expect(all).not.toMatch(/p pause {2}q quit/)
    } finally {
      t.kill()
    }
  })
})
