// The model checker at scale (issue 17): upgrade-race with 3 and 4 nodes running the same
// program, with symmetry reduction and worker threads, beside the same searches without them
// (one thread, no symmetry: the search as it was, on this branch's compact states) measured in
// the same run. Each row gives wall seconds (the targets), CPU seconds and states per CPU second
// (the machine is shared: wall time depends on its load, which the report prints), and whether
// the search reached a verdict. Also: distinct states with and without symmetry side by side,
// the speed-up from workers, and what the compact state saves (key hashing, visited-set bytes).
// Alone: `npm run build && node dist/bench/model-scale.js` (or `npm run bench -- --only 10`).
import {loadavg} from 'node:os'
import {pathToFileURL} from 'node:url'

import {exhaustiveParallel} from '../src/sim/parallel.js'
import {makeModel, MODEL_PAGE_SIZE} from '../src/sim/program.js'
import {exhaustive, keyFunction, type ExhaustiveResult} from '../src/sim/search.js'
import {walk} from '../src/sim/explore.js'
import {hashLanes} from '../src/sim/hash.js'
import {SimState} from '../src/sim/state.js'
import {CORRECT} from '../src/sim/protocol.js'
import type {ModelConfig, ModelOp} from '../src/sim/types.js'
import {VisitedSet} from '../src/sim/visited.js'
import type {BenchRow} from './figure.js'

const FIGURE = '10 model checker at scale'
const r = (page: number): ModelOp => ({f: 'read', page: {file: 'a', page}})
const w = (page: number): ModelOp => ({f: 'write', page: {file: 'a', page}})

/** upgrade-race with `nodes` nodes and `ops` ops each (its loop: read a/0, write a/0, read a/1). */
export function upgradeRace(nodes: number, ops: number): ModelConfig {
  const loop = [r(0), w(0), r(1)]
  const program = Array.from({length: ops}, (_, i) => loop[i % 3] as ModelOp)
  return makeModel({granularity: 'page', states: 'shared', downgrade: 'unmap', holdTimeUs: 0, pageSize: MODEL_PAGE_SIZE}, Array.from({length: nodes}, () => program), 'ordered', null)
}

interface Search {
  readonly name: string
  readonly nodes: number
  readonly ops: number
  readonly symmetry: boolean
  readonly workers: number
  readonly budgetMs: number
  /** Wall-clock target in seconds (issue 17), when there is one. */
  readonly target?: number
}

const SEARCHES: readonly Search[] = [
  {name: '3 nodes x 3 ops, no symmetry, 1 thread (baseline)', nodes: 3, ops: 3, symmetry: false, workers: 1, budgetMs: 90_000},
  {name: '3 nodes x 3 ops, symmetry, 1 thread', nodes: 3, ops: 3, symmetry: true, workers: 1, budgetMs: 90_000},
  {name: '3 nodes x 3 ops, symmetry, 2 workers', nodes: 3, ops: 3, symmetry: true, workers: 2, budgetMs: 90_000, target: 5},
  {name: '3 nodes x 6 ops, no symmetry, 1 thread (baseline)', nodes: 3, ops: 6, symmetry: false, workers: 1, budgetMs: 30_000},
  {name: '3 nodes x 6 ops, symmetry, 2 workers', nodes: 3, ops: 6, symmetry: true, workers: 2, budgetMs: 240_000, target: 60},
  {name: '4 nodes x 3 ops, no symmetry, 1 thread (baseline)', nodes: 4, ops: 3, symmetry: false, workers: 1, budgetMs: 30_000},
  {name: '4 nodes x 3 ops, symmetry, 2 workers', nodes: 4, ops: 3, symmetry: true, workers: 2, budgetMs: 240_000, target: 120},
]

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since)
  return (d.user + d.system) / 1e6
}

async function run(s: Search): Promise<{res: ExhaustiveResult; cpu: number; load: number}> {
  const load = loadavg()[0] ?? 0
  const cpu = process.cpuUsage()
  const limits = {depth: 10_000, budgetMs: s.budgetMs, symmetry: s.symmetry}
  const model = upgradeRace(s.nodes, s.ops)
  const res = s.workers > 1 ? await exhaustiveParallel(model, limits, s.workers) : exhaustive(model, limits)
  return {res, cpu: cpuSeconds(cpu), load}
}

const round = (x: number, d = 3): number => Number(x.toFixed(d))

export async function benchModelScale(options: {only?: readonly string[]} = {}): Promise<BenchRow[]> {
  const rows: BenchRow[] = []
  const results = new Map<string, ExhaustiveResult>()
  for (const s of SEARCHES) {
    if (options.only && !options.only.includes(s.name)) continue
    const {res, cpu, load} = await run(s)
    results.set(s.name, res)
    const verdict = res.found !== null ? `violation ${res.found.violation.kind}` : res.complete ? 'no violation (complete)' : `no verdict within ${s.budgetMs / 1000} s`
    const row: BenchRow = {figure: FIGURE, metric: `${s.name}: wall (${verdict}; load ${load.toFixed(1)})`, value: round(res.seconds), unit: 's'}
    rows.push(s.target === undefined ? row : {...row, target: `<= ${s.target} s`, met: res.complete && res.seconds <= s.target})
    rows.push({figure: FIGURE, metric: `${s.name}: CPU time`, value: round(cpu), unit: 's'})
    rows.push({figure: FIGURE, metric: `${s.name}: states explored per CPU second`, value: Math.round(res.transitions / Math.max(cpu, 1e-9)), unit: 'states/s'})
    rows.push({figure: FIGURE, metric: `${s.name}: distinct states${res.complete ? '' : ' (so far)'}`, value: res.distinct, unit: 'states'})
    await new Promise((resolve) => setImmediate(resolve))
  }
  const plain = results.get(SEARCHES[0]?.name ?? '')
  const one = results.get(SEARCHES[1]?.name ?? '')
  const two = results.get(SEARCHES[2]?.name ?? '')
  if (plain && one && plain.complete && one.complete) rows.push({figure: FIGURE, metric: '3 nodes x 3 ops: distinct states with symmetry / without', value: one.distinct, unit: 'states', ratio: round(one.distinct / plain.distinct, 4), vs: `${plain.distinct} without symmetry`})
  if (one && two && one.complete && two.complete) rows.push({figure: FIGURE, metric: '3 nodes x 3 ops, symmetry: speed-up of 2 workers over 1 thread (wall)', value: round(one.seconds / two.seconds, 2), unit: 'x', vs: `${one.seconds.toFixed(1)} s on 1 thread`})
  rows.push(...compactState())
  return rows
}

/**
 * What the compact state saves, on the states of random walks of 3 nodes x 6 ops: a state's
 * whole key text hashed (as before) against its hash from per-node cached parts (now), and a
 * visited set of 53-bit numbers against the 8-byte-a-state table.
 */
function compactState(): BenchRow[] {
  const model = upgradeRace(3, 6)
  const states: SimState[] = []
  for (let seed = 1; states.length < 20_000; seed++) {
    const trace = walk(model, seed, 200).trace
    const s = SimState.initial(model, CORRECT)
    for (const a of trace) {
      const next = s.clone()
      try {
        next.apply(a)
      } catch {
        break
      }
      states.push(next)
      s.apply(a)
    }
  }
  const lanes = new Int32Array(2)
  const {keyOf} = keyFunction(model, false)
  const time = (f: () => void): number => {
    const t = performance.now()
    f()
    return (performance.now() - t) / states.length
  }
  const before = time(() => states.forEach((s) => hashLanes(s.key(), lanes)))
  const after = time(() => states.forEach((s) => keyOf(s)))
  const copy = time(() => states.forEach((s) => s.clone()))
  const n = 1_000_000
  const heap = (): number => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers
  globalThis.gc?.()
  const h0 = heap()
  const set = new Set<number>()
  for (let i = 0; i < n; i++) set.add(Math.floor(Math.random() * 2 ** 53))
  const setBytes = (heap() - h0) / n
  const table = VisitedSet.local()
  for (let i = 0; i < n; i++) table.add((Math.random() * 2 ** 32) | 0, (Math.random() * 2 ** 32) | 0)
  return [
    {figure: FIGURE, metric: 'key hash of a state from cached parts (whole key text hashed before)', value: round(after * 1000, 2), unit: 'µs', ratio: round(after / before, 3), vs: `${(before * 1000).toFixed(2)} µs for the whole text`},
    {figure: FIGURE, metric: 'copy of a state (copy on write: the action copies what it changes)', value: round(copy * 1000, 2), unit: 'µs'},
    {figure: FIGURE, metric: 'visited-set bytes per state (1 M states)', value: round(table.bytes / n, 1), unit: 'B', ratio: round(table.bytes / n / setBytes, 3), vs: `${setBytes.toFixed(0)} B in a Set of 53-bit numbers`},
  ]
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const only = process.argv.slice(2)
  const rows = await benchModelScale(only.length > 0 ? {only} : {})
  for (const row of rows) console.log(`${row.metric}: ${row.value} ${row.unit}${row.ratio !== undefined ? ` (x${row.ratio} vs ${row.vs})` : row.vs ? ` (vs ${row.vs})` : ''}${row.target ? ` target ${row.target}: ${row.met ? 'met' : 'NOT met'}` : ''}`)
}
