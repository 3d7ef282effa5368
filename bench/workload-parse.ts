// Figure 8, workload parsing: a workload file just under the 1 MiB limit (LIMITS.maxFileBytes)
// of single-op steps (the worst case: mixes are a few bytes), parsed by `loadWorkload` in a
// fresh process. Reported: parse time, peak RSS above the process's RSS before parsing, and that
// as a multiple of the file's size (the baseline: the bytes it parsed).
import {spawnSync} from 'node:child_process'
import {statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {LIMITS} from '../src/workload/keys.js'
import {round, type BenchContext, type BenchRow} from './figure.js'

const FIGURE = '8 overhead: workload parse (1 MiB file)'

function bigWorkload(maxBytes: number): string {
  const head = 'name: big\ncluster: {nodes: 2}\nfiles: {a: {pages: 64}, b: {pages: 64}}\nnodes:\n  all:\n'
  const lines: string[] = [head]
  let size = head.length
  for (let i = 0; ; i++) {
    const line = `    - {${i % 2 === 0 ? 'write' : 'read'}: ${i % 3 === 0 ? 'a' : 'b'}/${i % 64}}\n`
    if (size + line.length > maxBytes) break
    lines.push(line)
    size += line.length
  }
  return lines.join('')
}

export async function benchWorkloadParse(ctx: BenchContext): Promise<BenchRow[]> {
  const file = join(ctx.tmpDir, 'big-workload.yaml')
  writeFileSync(file, bigWorkload(LIMITS.maxFileBytes))
  const bytes = statSync(file).size
  const child = fileURLToPath(new URL('./parse-child.js', import.meta.url))
  const r = spawnSync(process.execPath, [child, file], {encoding: 'utf8', timeout: 120_000})
  if (r.status !== 0) throw new Error(`parse child exited ${r.status}: ${r.stderr.trim().split('\n')[0] ?? ''}`)
  const m = JSON.parse(r.stdout) as {ms: number; rssBeforeKb: number; peakRssKb: number; steps: number}
  const aboveMb = (m.peakRssKb - m.rssBeforeKb) / 1024
  return [
    {figure: FIGURE, metric: `parse time (${(bytes / 1024).toFixed(0)} KiB, ${m.steps} steps)`, value: round(m.ms, 0), unit: 'ms'},
    {figure: FIGURE, metric: 'peak RSS above the process before parsing', value: round(aboveMb, 0), unit: 'MB'},
    {figure: FIGURE, metric: 'peak RSS growth / file size', value: round((aboveMb * 1024 * 1024) / bytes, 0), unit: 'x'},
  ]
}
