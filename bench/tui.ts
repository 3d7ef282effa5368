// What the live view costs: the same 4-node workload run by the built CLI with the live view (in
// a real terminal, tmux) and without it (--no-tui, stdout piped), alternating, ops/s from each
// run's run.json. The orchestrator process renders the view; nodes are separate processes, so
// the cost is the CPU the view takes from them on a shared machine.
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {cpus, tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {pathToFileURL} from 'node:url'
import {runInTmux, tmuxAvailable} from './tmux.js'

// Compiled to dist/bench/tui.js (two levels below the repo), or run from bench/ with tsx (one).
const ROOT = resolve(import.meta.dirname, import.meta.dirname.endsWith('/dist/bench') ? '../..' : '..')

export interface TuiBenchOptions {
  /** Ops per node (4 nodes). */
  readonly opsPerNode?: number
  /** Pairs of runs (with, without); the median of each side is reported. */
  readonly rounds?: number
}

export interface TuiBenchRun {
  readonly tui: boolean
  readonly opsPerSec: number
  /** CPU time of the orchestrator process (the one that draws the live view), and its lifetime. */
  readonly orchestratorCpuMs: number
  readonly wallMs: number
}

export interface TuiBenchResult {
  readonly opsPerSecPlain: number
  readonly opsPerSecTui: number
  /** (plain - tui) / plain, percent; negative means the TUI run happened to be faster. Noisy on a shared machine. */
  readonly costPercent: number
  /**
   * The live view's extra orchestrator CPU (median CPU per wall second with the view minus
   * without), as a percentage of the machine's cores: an upper bound of the throughput it can take
   * from CPU-bound nodes, and much less noisy than the ops/s comparison.
   */
  readonly cpuCostPercent: number
  readonly runs: TuiBenchRun[]
}

function workload(opsPerNode: number): string {
  return `version: 1
name: tui-bench
description: 4 nodes, zipf mix, closed loop (the live view's cost benchmark)
cluster: {nodes: 4, granularity: page, states: shared, pageSize: 4096}
files: {a: {pages: 64}, b: {pages: 64}}
nodes:
  all:
    - mix: {ops: ${opsPerNode}, read: 70, write: 25, copy: 5, pages: zipf, files: [a, b]}
`
}

function opsPerSecOf(out: string): number {
  const runs = readdirSync(out).filter((d) => !d.startsWith('.')).sort()
  const last = runs[runs.length - 1]
  if (last === undefined) throw new Error(`no run folder in ${out}`)
  return (JSON.parse(readFileSync(join(out, last, 'run.json'), 'utf8')) as {opsPerSec: number}).opsPerSec
}

/** Runs whose checks found a violation (kept on disk for a look; their ops/s still count). */
const invalid: string[] = []

async function once(tui: boolean, file: string, out: string, seed: number): Promise<TuiBenchRun> {
  const cpuFile = `${out}.cpu.json`
  const args = ['--import', join(ROOT, 'dist/bench/cpu-at-exit.js'), 'bin/run.js', 'run', 'workload', file, '--results', out, '--seed', String(seed)]
  const result = (): TuiBenchRun => {
    const cpu = JSON.parse(readFileSync(cpuFile, 'utf8')) as {cpuMs: number; wallMs: number}
    return {tui, opsPerSec: opsPerSecOf(out), orchestratorCpuMs: Math.round(cpu.cpuMs), wallMs: Math.round(cpu.wallMs)}
  }
  if (!tui) {
    const res = spawnSync(process.execPath, [...args, '--no-tui'], {cwd: ROOT, encoding: 'utf8', timeout: 600_000, env: {...process.env, CMM_CPU_FILE: cpuFile}})
    if (res.status !== 0 && res.status !== 1) throw new Error(`plain run failed (${res.status}): ${res.stderr}`)
    if (res.status === 1) invalid.push(out)
    return result()
  }
  const t = runInTmux([process.execPath, ...args], {cwd: ROOT, width: 100, height: 30, env: {CMM_CPU_FILE: cpuFile}})
  try {
    if (!(await t.waitFor(/^EXIT=\d+$/m, 600_000, 2000))) throw new Error('TUI run did not finish')
    const code = t.exitCode()
    if (code !== 0 && code !== 1) throw new Error(`TUI run failed: ${t.capture(200)}`)
    if (code === 1) invalid.push(out)
    return result()
  } finally {
    t.kill()
  }
}

export async function benchTui(options: TuiBenchOptions = {}): Promise<TuiBenchResult> {
  if (!tmuxAvailable()) throw new Error('tmux is not installed (apt-get install tmux): the TUI benchmark needs a real terminal')
  const dir = mkdtempSync(join(tmpdir(), 'cmm-bench-tui-'))
  try {
    const file = join(dir, 'tui-bench.yaml')
    writeFileSync(file, workload(options.opsPerNode ?? 3000))
    const runs: TuiBenchRun[] = []
    for (let r = 0; r < (options.rounds ?? 2); r++) {
      // Alternate which goes first, so a machine getting busier does not favour one side.
      for (const tui of r % 2 === 0 ? [false, true] : [true, false]) {
        const out = join(dir, `out-${r}-${tui ? 'tui' : 'plain'}`)
        runs.push(await once(tui, file, out, 1000 + r))
      }
    }
    const median = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b)
      return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
    }
    const plain = median(runs.filter((r) => !r.tui).map((r) => r.opsPerSec))
    const tui = median(runs.filter((r) => r.tui).map((r) => r.opsPerSec))
    const cpuShare = (withTui: boolean) => median(runs.filter((r) => r.tui === withTui).map((r) => r.orchestratorCpuMs / r.wallMs))
    const cpuCostPercent = Math.round(((cpuShare(true) - cpuShare(false)) / cpus().length) * 1000) / 10
    return {opsPerSecPlain: Math.round(plain), opsPerSecTui: Math.round(tui), costPercent: Math.round(((plain - tui) / plain) * 1000) / 10, cpuCostPercent, runs}
  } finally {
    if (invalid.length === 0) rmSync(dir, {recursive: true, force: true})
    else console.error(`a check found a violation in: ${invalid.join(', ')} (kept)`)
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await benchTui({rounds: Number(process.env.ROUNDS ?? 2), opsPerNode: Number(process.env.OPS ?? 3000)})
  console.log(`live view cost, 4-node zipf mix: ${r.opsPerSecPlain} ops/s without, ${r.opsPerSecTui} ops/s with the live view: ${r.costPercent}% (target < 5%)`)
  console.log(`live view CPU: ${r.cpuCostPercent}% of the machine's ${cpus().length} cores (extra orchestrator CPU; bounds the throughput it can take)`)
  for (const run of r.runs) console.log(`  ${run.tui ? 'tui  ' : 'plain'} ${run.opsPerSec} ops/s, orchestrator ${run.orchestratorCpuMs} ms CPU in ${run.wallMs} ms`)
}
