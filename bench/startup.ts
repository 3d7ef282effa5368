// CLI start-up: `cmm --version` as a whole process against a bare `node -e 0`, run alternately
// (side by side, so load on the machine hits both alike), medians of several runs. Also
// `cmm --help`, which goes through oclif and its manifest (no command code is loaded). Target
// (issue 11): `--version` at most 2x a bare node start.
import {spawnSync} from 'node:child_process'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {round, type BenchRow} from './figure.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const RUNS = 9

function wallMs(args: readonly string[]): number {
  const t0 = process.hrtime.bigint()
  const r = spawnSync(process.execPath, args, {cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe']})
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${r.status}: ${r.stderr.toString()}`)
  return ms
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

export async function benchStartup(): Promise<BenchRow[]> {
  const figure = '9 CLI start-up'
  const bin = join(ROOT, 'bin/run.js')
  const bare: number[] = []
  const version: number[] = []
  const help: number[] = []
  wallMs([bin, '--help']) // warm the file cache once
  for (let i = 0; i < RUNS; i++) {
    bare.push(wallMs(['-e', '0']))
    version.push(wallMs([bin, '--version']))
    help.push(wallMs([bin, '--help']))
  }
  const base = median(bare)
  const v = median(version)
  const h = median(help)
  const vs = `node -e 0 (${round(base, 1)} ms)`
  return [
    {figure, metric: `node -e 0, median of ${RUNS}`, value: round(base, 1), unit: 'ms'},
    {figure, metric: `cmm --version, whole process, median of ${RUNS}`, value: round(v, 1), unit: 'ms', ratio: round(v / base), vs, target: '<= 2', met: v / base <= 2},
    {figure, metric: `cmm --help (oclif, manifest), median of ${RUNS}`, value: round(h, 1), unit: 'ms', ratio: round(h / base), vs},
  ]
}
