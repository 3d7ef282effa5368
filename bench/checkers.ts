// Times the checkers that judge every run (coherence, no-lost-writes, liveness, and the whole
// runChecks with linearizability) on a generated correct run: N nodes doing reads and writes on
// many pages under page locks, with every lock change and PTE change a real run records.
// Generation is not timed. Run alone with `node --import tsx bench/checkers.ts`.
import {pathToFileURL} from 'node:url'
import type {HistoryEntry, LockEntry, TraceEntry} from '../src/records/history.js'
import type {FinalState} from '../src/records/final-state.js'
import {checkCoherence} from '../src/check/run/coherence.js'
import {checkLostWrites} from '../src/check/run/lost-writes.js'
import {checkLiveness} from '../src/check/run/liveness.js'
import {runChecks, type RunEvidence} from '../src/check/run-checks.js'
import {createRng} from '../src/workload/random.js'

export interface CheckersBenchRow {
  readonly name: string
  readonly ops: number
  /** Records the checker read (history entries, trace and lock entries). */
  readonly records: number
  readonly seconds: number
  readonly opsPerSec: number
}

export interface RunShape {
  readonly ops: number
  readonly nodes: number
  readonly pages: number
  readonly seed: number
}

/** A correct run: each op takes the page's lock if needed (the holders in the way give it up first). */
export function generateRun(shape: RunShape): RunEvidence {
  const rng = createRng(shape.seed)
  const rand = () => rng.nextFloat()
  const history: HistoryEntry[] = []
  const trace: TraceEntry[] = []
  const locks: LockEntry[] = []
  // Per page: holders node -> {mode, seq}, the unit's seq/generation, the value.
  const pages = Array.from({length: shape.pages}, () => ({holders: new Map<number, {mode: 'SH' | 'EX'; seq: number}>(), seq: 0, gen: 0, value: null as string | null}))
  const writes = new Array<number>(shape.nodes).fill(0)
  let now = 0
  const tick = () => (now += 1000)
  for (let i = 0; i < shape.ops; i++) {
    const node = Math.floor(rand() * shape.nodes)
    const p = Math.floor(rand() * shape.pages)
    const key = `a/${p}`
    const pg = pages[p]!
    const write = rand() < 0.3
    const want = write ? 'EX' : 'SH'
    const value = write ? `n${node}:${++writes[node]!}` : null
    history.push({index: -1, time: tick(), process: node, type: 'invoke', f: write ? 'write' : 'read', key, value})
    const mine = pg.holders.get(node)
    if (mine === undefined || (write && mine.mode === 'SH')) {
      for (const [other, h] of [...pg.holders]) {
        if (other === node || (!write && h.mode === 'SH')) continue
        trace.push({time: tick(), node: other, key, from: h.mode === 'EX' ? 'RW' : 'RO', to: 'none', unit: key, seq: h.seq, generation: pg.gen})
        locks.push({time: tick(), node: other, unit: key, event: 'release', mode: 'UN', seq: h.seq, generation: pg.gen})
        pg.holders.delete(other)
      }
      if (mine !== undefined) {
        trace.push({time: tick(), node, key, from: 'RO', to: 'none', unit: key, seq: mine.seq, generation: pg.gen})
        locks.push({time: tick(), node, unit: key, event: 'release', mode: 'UN', seq: mine.seq, generation: pg.gen})
        pg.holders.delete(node)
      }
      pg.seq++
      if (want === 'EX') pg.gen++
      pg.holders.set(node, {mode: want, seq: pg.seq})
      locks.push({time: tick(), node, unit: key, event: 'grant', mode: want, seq: pg.seq, generation: pg.gen})
      trace.push({time: tick(), node, key, from: 'none', to: write ? 'RW' : 'RO', unit: key, seq: pg.seq, generation: pg.gen})
    }
    if (write) pg.value = value
    history.push({index: -1, time: tick(), process: node, type: 'ok', f: write ? 'write' : 'read', key, value: write ? value : pg.value})
  }
  history.forEach((e, i) => (e.index = i))
  const disk: Record<string, string | null> = {}
  pages.forEach((pg, p) => (disk[`a/${p}`] = pg.value))
  const final: FinalState = {flushed: true, disk, waits: [], manager: {}}
  return {history, trace, locks, final, end: 'completed', durationMs: now / 1e6, livenessMs: 10_000}
}

function time<T>(fn: () => T): {value: T; seconds: number} {
  const started = performance.now()
  const value = fn()
  return {value, seconds: (performance.now() - started) / 1000}
}

export const DEFAULT_SHAPES: readonly RunShape[] = [1e4, 1e5, 1e6].map((ops) => ({ops, nodes: 8, pages: Math.max(16, ops / 1000), seed: 1}))

/** Every run checker on generated correct runs; throws if one of them is not valid (a false alarm). */
export async function benchRunCheckers(shapes: readonly RunShape[] = DEFAULT_SHAPES): Promise<{rows: CheckersBenchRow[]}> {
  const rows: CheckersBenchRow[] = []
  for (const shape of shapes) {
    const run = generateRun(shape)
    const label = `${shape.ops} ops, ${shape.nodes} nodes, ${shape.pages} pages`
    const lockRecords = run.trace.length + (run.locks?.length ?? 0)
    const cases: [string, number, () => {valid: unknown}][] = [
      ['coherence', lockRecords, () => checkCoherence(run.trace, run.locks ?? [])],
      ['no-lost-writes', run.history.length, () => checkLostWrites(run.history, run.final!)],
      ['liveness', run.history.length, () => checkLiveness(run.history, {...run, final: run.final!})],
      ['all checks (with linearizable)', run.history.length + lockRecords, () => runChecks(run, {timeoutMs: 600_000})],
    ]
    for (const [name, records, fn] of cases) {
      const {value, seconds} = time(fn)
      if (value.valid !== true) throw new Error(`bench ${name} on ${label}: a correct run was judged ${String(value.valid)}`)
      rows.push({name: `${name}: ${label}`, ops: shape.ops, records, seconds: Number(seconds.toFixed(3)), opsPerSec: Math.round(shape.ops / seconds)})
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
  return {rows}
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const {rows} = await benchRunCheckers()
  console.table(rows)
}
