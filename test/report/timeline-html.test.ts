// `cmm report timeline` in headless Chromium: for every --break variant the failing run's page
// draws, and the violation (its cause) is outlined on the right unit and nodes; a clean run's
// page draws too, with no violation. Bad input fails with exit 2.
import {spawnSync} from 'node:child_process'
import {readFileSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {runCli, tempDir, writeTemp} from '../helpers/cli.js'
import {chromiumPath, CHROMIUM_FLAGS} from '../../bench/chromium.js'
import {CASES} from '../check/break-cases.js'
import type {BreakVariant} from '../../src/protocol/break.js'

/** Where each variant's cause must be drawn: its kind, unit and nodes. */
const EXPECTED: Record<BreakVariant, {kind: string; unit: string; nodes: string}> = {
  'skip-writeback': {kind: 'writeback-dropped', unit: 'a', nodes: '0'},
  'skip-invalidate': {kind: 'mapping-outlives-lock', unit: 'a/0', nodes: '0'},
  'early-grant': {kind: 'conflicting-holds', unit: 'a/0', nodes: '0,1'},
  'stale-read': {kind: 'read-without-lock', unit: 'a/0', nodes: '0'},
  'no-conversion-refusal': {kind: 'conversion-deadlock', unit: 'a/0', nodes: '0,1'},
}

const chromium = chromiumPath()
const skip = chromium === null ? ' [SKIPPED: chromium is not installed; apt-get install chromium]' : ''

/** Runs the case's workload, draws its timeline, returns the page's DOM after its script ran. */
async function drawn(script: string, extra: string[]): Promise<{dom: string; stdout: string; summary: string}> {
  const dir = tempDir()
  const file = writeTemp(dir, 'w.yaml', `version: 1\n${script}`)
  const out = join(dir, 'runs')
  const run = await runCli(['run', 'workload', file, '--out', out, '--seed', '1', '--no-tui', '--liveness', '2s', ...extra])
  const [id] = readdirSync(out)
  const html = join(dir, 'timeline.html')
  const res = await runCli(['report', 'timeline', id!, '--results', out, '--out', html])
  expect(res.code, res.stderr).toBe(0)
  expect(readFileSync(html, 'utf8')).not.toMatch(/(src|href)="https?:/) // self-contained
  const dom = spawnSync(chromium!, [...CHROMIUM_FLAGS, `--user-data-dir=${join(dir, 'profile')}`, '--window-size=1300,900', '--dump-dom', `file://${html}`], {encoding: 'utf8', timeout: 60_000})
  expect(dom.status, dom.stderr).toBe(0)
  expect(dom.stdout).not.toMatch(/data-error=/)
  expect(dom.stdout).toMatch(/<body[^>]* data-drawn="[1-9]\d*"/)
  return {dom: dom.stdout, stdout: res.stdout, summary: run.stdout}
}

describe('cmm report timeline', () => {
  for (const c of CASES) {
    const e = EXPECTED[c.variant]
    it.skipIf(chromium === null)(`--break ${c.variant}: ${e.kind} outlined on unit ${e.unit}, nodes ${e.nodes}${skip}`, async () => {
      const {dom, stdout, summary} = await drawn(c.script, ['--break', c.variant])
      // The summary explains it from the cause, with record lines, and names the model checker's command.
      expect(summary).toMatch(new RegExp(`^why \\(causes first\\):\\n  cause   ${e.kind}: nodes? ${e.nodes}, unit ${e.unit}, (at )?[\\d.]+(\\.\\.[\\d.]+)?ms: .* \\[\\w+\\.json(l:\\d+)?`, 'm'))
      expect(summary).toContain(`cmm check model workloads/upgrade-race.yaml`)
      expect(summary).toContain(`--break ${c.variant}`)
      expect(stdout).toMatch(/timeline: .* \d+ violations; showing the units of the violations/)
      const outlined = new RegExp(`<g class="violation cause" data-kind="${e.kind}" data-unit="${e.unit}" data-nodes="${e.nodes}"`)
      expect(dom, dom.slice(dom.indexOf('<ol class="violations"'), dom.indexOf('</ol>'))).toMatch(outlined)
      for (const n of e.nodes.split(',')) expect(dom).toMatch(new RegExp(`<g class="lane violated" data-unit="${e.unit}" data-node="${n}"`))
    }, 120_000)
  }

  it.skipIf(chromium === null)(`a clean run draws its busiest units with no violation${skip}`, async () => {
    const {dom} = await drawn(CASES[1]!.script, [])
    expect(dom).toContain('no violation: every check passed')
    expect(dom).not.toMatch(/<g class="violation( cause)?" /)
    expect(dom).toMatch(/<g class="item lock EX">/)
    expect(dom).toMatch(/<g class="item pte RW">/)
    expect(dom).toMatch(/<g class="item op ok">/)
  }, 120_000)

  it('bad input: unknown run, bad --from (exit 2, one line)', async () => {
    const missing = await runCli(['report', 'timeline', 'no-such-run', '--results', tempDir()])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/^cmm: no run no-such-run/)
    const bad = await runCli(['report', 'timeline', 'x', '--from', 'soon'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--from: expected a duration/)
  })
})
