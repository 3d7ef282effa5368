// Screenshot-equivalents for people: the live view captured from tmux during a 4-node run
// (text, ANSI and a PNG), and the HTML report of that run against a second one rendered to PNG
// by headless Chromium. Writes into screenshots/ (gitignored). Run: scripts/screenshots.sh
import {spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {runInTmux, tmuxAvailable} from './tmux.js'
import {chromiumPath, CHROMIUM_FLAGS} from './chromium.js'

const ROOT = resolve(import.meta.dirname, import.meta.dirname.endsWith('/dist/bench') ? '../..' : '..')
const OUT = join(ROOT, 'screenshots')

const WORKLOAD = (name: string, states: string) => `version: 1
name: ${name}
description: 4 nodes, zipf mix over two files
cluster: {nodes: 4, granularity: page, states: ${states}, pageSize: 4096}
files: {a: {pages: 32}, b: {pages: 32}}
nodes:
  all:
    - mix: {ops: 2500, read: 70, write: 25, copy: 5, pages: zipf, files: [a, b]}
`

function chromium(args: string[], profile: string): void {
  const bin = chromiumPath()
  if (bin === null) throw new Error('chromium is not installed (apt-get install chromium)')
  const r = spawnSync(bin, [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, ...args], {encoding: 'utf8', timeout: 120_000})
  if (r.status !== 0) throw new Error(`chromium failed (${r.status}): ${r.stderr}`)
}

const SGR_COLORS: Record<number, string> = {30: '#000', 31: '#d33', 32: '#3a3', 33: '#cc0', 34: '#46f', 35: '#c3c', 36: '#3cc', 37: '#ddd', 90: '#888'}

/** tmux capture-pane -e output (SGR colour codes only) as an HTML <pre>. */
function ansiToHtml(text: string): string {
  let out = ''
  let open = false
  const esc = (s: string) => s.replace(/[&<>]/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;'})[c]!)
  for (const part of text.split(/(\x1b\[[0-9;]*m)/)) {
    const m = /^\x1b\[([0-9;]*)m$/.exec(part)
    if (!m) {
      out += esc(part)
      continue
    }
    if (open) out += '</span>'
    open = false
    const codes = (m[1] || '0').split(';').map(Number)
    const style: string[] = []
    for (const c of codes) {
      if (c === 1) style.push('font-weight:bold')
      if (c === 2) style.push('opacity:0.6')
      if (SGR_COLORS[c]) style.push(`color:${SGR_COLORS[c]}`)
    }
    if (style.length > 0) {
      out += `<span style="${style.join(';')}">`
      open = true
    }
  }
  if (open) out += '</span>'
  return `<!doctype html><meta charset="utf-8"><body style="margin:0;background:#1e1e1e"><pre style="margin:8px;color:#ddd;font:14px/1.25 'DejaVu Sans Mono',monospace">${out}</pre>`
}

async function main(): Promise<void> {
  if (!tmuxAvailable()) throw new Error('tmux is not installed (apt-get install tmux)')
  mkdirSync(OUT, {recursive: true})
  const work = mkdtempSync(join(tmpdir(), 'cmm-shots-'))
  const results = join(work, 'results')
  const shared = join(work, 'shared.yaml')
  const exclusive = join(work, 'exclusive.yaml')
  writeFileSync(shared, WORKLOAD('zipf-shared', 'shared'))
  writeFileSync(exclusive, WORKLOAD('zipf-exclusive', 'exclusive'))

  // 1. The live view at 100x30, captured mid-run.
  const t = runInTmux([process.execPath, join(ROOT, 'bin/run.js'), 'run', 'workload', shared, '--results', results, '--seed', '7'], {cwd: ROOT, width: 100, height: 30})
  try {
    if (!(await t.waitFor(/^op:read\s+\d/m, 30_000))) throw new Error(`the live view did not show latency in time:\n${t.capture()}`)
    await new Promise((r) => setTimeout(r, 2500))
    writeFileSync(join(OUT, 'live-view.txt'), t.capture())
    writeFileSync(join(OUT, 'live-view.ansi'), t.capture(0, true))
    if (!(await t.waitFor(/^EXIT=\d+$/m, 300_000, 2000))) throw new Error('the run did not finish')
  } finally {
    t.kill()
  }
  writeFileSync(join(OUT, 'live-view.html'), ansiToHtml(readFileSync(join(OUT, 'live-view.ansi'), 'utf8')))
  chromium(['--window-size=940,620', `--screenshot=${join(OUT, 'live-view.png')}`, `file://${join(OUT, 'live-view.html')}`], join(work, 'p1'))

  // 2. A second run (exclusive-only), then the comparison report as HTML and PNG.
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/run.js'), 'run', 'workload', exclusive, '--results', results, '--seed', '7', '--no-tui'], {cwd: ROOT, encoding: 'utf8'})
  if (r.status !== 0) throw new Error(`second run failed: ${r.stderr}`)
  const runs = readdirSync(results).sort()
  const report = spawnSync(process.execPath, [join(ROOT, 'bin/run.js'), 'report', 'histograms', '--results', results, ...runs, '--plot', '--html', join(OUT, 'report.html')], {cwd: ROOT, encoding: 'utf8'})
  if (report.status !== 0) throw new Error(`report failed: ${report.stderr}`)
  writeFileSync(join(OUT, 'report.txt'), report.stdout)
  chromium(['--window-size=1150,2000', `--screenshot=${join(OUT, 'report.png')}`, `file://${join(OUT, 'report.html')}`], join(work, 'p2'))
  console.log(`wrote ${['live-view.txt', 'live-view.png', 'report.txt', 'report.html', 'report.png'].map((f) => join('screenshots', f)).join(', ')}`)
}

await main()
