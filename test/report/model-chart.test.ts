// `cmm check model ... --html FILE` in headless Chromium: the counterexample trace drawn as a
// message sequence chart (a lifeline per column, an arrow per message delivered, the locks and
// PTEs after the steps), the violating step outlined; a replayed clean trace draws too. Bad
// --html paths fail with exit 2.
import {spawnSync} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {runCli, tempDir} from '../helpers/cli.js'
import {chromiumPath, CHROMIUM_FLAGS} from '../../bench/chromium.js'

const chromium = chromiumPath()
const skip = chromium === null ? ' [SKIPPED: chromium is not installed; apt-get install chromium]' : ''

/** The page's DOM after its script ran. */
function dom(html: string, dir: string): string {
  const r = spawnSync(chromium!, [...CHROMIUM_FLAGS, `--user-data-dir=${join(dir, 'profile')}`, '--window-size=1600,900', '--dump-dom', `file://${html}`], {encoding: 'utf8', timeout: 60_000})
  expect(r.status, r.stderr).toBe(0)
  expect(r.stdout).not.toMatch(/data-error=/)
  return r.stdout
}

describe('cmm check model --html', () => {
  it.skipIf(chromium === null)(`--break skip-invalidate: the shortest trace as a chart, the violating step outlined${skip}`, async () => {
    const dir = tempDir()
    const html = join(dir, 'msc.html')
    const res = await runCli(['check', 'model', 'workloads/upgrade-race.yaml', '--break', 'skip-invalidate', '--workers', '1', '--html', html])
    expect(res.code, res.stderr).toBe(1)
    expect(res.stdout).toContain(`message sequence chart written to ${html}`)
    const steps = Number(/shortest trace found \((\d+) steps/.exec(res.stdout)?.[1])
    expect(steps).toBeGreaterThan(3)
    const text = readFileSync(html, 'utf8')
    expect(text).not.toMatch(/(src|href)="https?:/) // self-contained
    expect(text).toContain('cmm check model workloads/upgrade-race.yaml --break skip-invalidate --workers 1')
    const d = dom(html, dir)
    expect(d).toMatch(new RegExp(`<body[^>]* data-drawn="${steps}"`))
    // One row per step, the last one the violation, with the checker's words.
    expect(d.match(/<g class="step[ "]/g)).toHaveLength(steps)
    expect(d).toMatch(new RegExp(`<g class="step violation" data-index="${steps}" data-action="msg1" id="violation">`))
    expect(d).toMatch(/<text [^>]*class="said violated">\d+\. node 1 receives its next message: mapping-without-lock broken here<\/text>/)
    expect(d).toContain('data-kind="mapping-without-lock"')
    // Messages as arrows between lifelines (manager + 2 nodes), and the state the violation is about:
    // node 1 still maps a/0 RO with no lock.
    expect(d.match(/<line [^>]*class="lifeline"/g)).toHaveLength(3)
    expect((d.match(/<line [^>]*class="arrow"/g) ?? []).length).toBeGreaterThanOrEqual(4)
    const last = d.slice(d.indexOf('id="violation"'))
    expect(last).toContain('locks: none')
    expect(last).toContain('PTE: a/0 RO')
  }, 120_000)

  it.skipIf(chromium === null)(`a replayed trace with no violation draws too${skip}`, async () => {
    const dir = tempDir()
    const html = join(dir, 'msc.html')
    const res = await runCli(['check', 'model', 'workloads/upgrade-race.yaml', '--replay', 'op0 req0 rep0', '--html', html])
    expect(res.code, res.stderr).toBe(0)
    const d = dom(html, dir)
    expect(d).toMatch(/<body[^>]* data-drawn="3"/)
    expect(d).toContain('no violation along this trace')
    expect(d).not.toContain('id="violation"')
    expect(d).toContain('locks: a/0 SH')
  }, 60_000)

  it('no violation found: nothing to draw, said; an unwritable --html is exit 2', async () => {
    const dir = tempDir()
    const html = join(dir, 'none.html')
    const clean = await runCli(['check', 'model', 'workloads/upgrade-race.yaml', '--ops', '2', '--workers', '1', '--html', html])
    expect(clean.code, clean.stderr).toBe(0)
    expect(clean.stdout).toContain('no violation, so no trace to draw (nothing written)')
    expect(existsSync(html)).toBe(false)
    const bad = await runCli(['check', 'model', 'workloads/upgrade-race.yaml', '--replay', 'op0', '--html', join(dir, 'no/such/dir/x.html')])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--html .*x\.html: cannot write it \(ENOENT\)/)
  }, 60_000)
})
