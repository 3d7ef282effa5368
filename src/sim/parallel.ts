// Parallel exhaustive search on worker threads: every worker runs the depth-first engine of
// search.ts on pieces of one search and inserts into one shared visited table (compare and
// swap), so each distinct state is expanded once by whichever thread reaches it first. Work
// moves by stealing: a worker with nothing left says so (a shared `hungry` count), and a busy
// one gives away the untried actions of its shallowest frame as a trace prefix, which the idle
// one replays. Verdicts are the single-threaded search's; a violation found by any worker is
// then shortened by the same bounded breadth-first search, so the shortest trace length is too.
import {availableParallelism} from 'node:os'
import {Worker} from 'node:worker_threads'
import {protocolFor} from './protocol.js'
import {keyFunction, shortest, type ExhaustiveResult, type Found, type SearchLimits, type WorkItem} from './search.js'
import {SimState} from './state.js'
import type {ModelConfig} from './types.js'
import {VisitedSet} from './visited.js'

/** Control words shared with the workers. */
export const CTL = {stop: 0, hungry: 1, size: 2} as const
/** Per-worker figures shared for the progress line: transitions, depth, stack size. */
export const STAT = {transitions: 0, depth: 1, stack: 2, size: 3} as const

/**
 * Slots of the shared visited table: it cannot grow while threads insert, and a full one means
 * starting over (all the work so far lost), so a search starts with 2^24 slots (128 MiB: ~14.7 M
 * states, more than upgrade-race 3 x 6 or 4 x 3 reach; the pages only cost memory once touched)
 * and, if that fills, starts over with a table 4x as big, up to 2^28 (2 GiB).
 */
export const SHARED_TABLE_LOG2 = {first: 24, last: 28} as const

export interface WorkerInit {
  readonly model: ModelConfig
  readonly depth: number
  readonly symmetry: boolean
  readonly table: SharedArrayBuffer
  readonly ctl: SharedArrayBuffer
  readonly stats: SharedArrayBuffer
  readonly index: number
}

export interface WorkerStats {
  readonly transitions: number
  readonly maxDepth: number
  readonly ends: number
  readonly cut: number
}

/** Messages from a worker. */
export type FromWorker =
  | {readonly type: 'idle'}
  | {readonly type: 'work'; readonly item: WorkItem}
  | {readonly type: 'found'; readonly found: Found}
  | {readonly type: 'stopped'}
  | {readonly type: 'stats'; readonly stats: WorkerStats}
  | {readonly type: 'error'; readonly message: string; readonly name: string}

/** Messages to a worker. */
export type ToWorker = {readonly type: 'item'; readonly item: WorkItem} | {readonly type: 'finish'}

/** The default worker count: the machine's cores. */
export function defaultWorkers(): number {
  return availableParallelism()
}

/**
 * The worker script: compiled next to this file, or (tests run the sources) the .ts, loaded
 * through tsx's loader registered inside the worker (a worker does not inherit `--import tsx`).
 */
function spawn(init: WorkerInit): Worker {
  const here = import.meta.url
  if (!here.endsWith('.ts')) return new Worker(new URL('./search-worker.js', here), {workerData: init})
  const url = JSON.stringify(new URL('./search-worker.ts', here).href)
  return new Worker(`import('tsx/esm/api').then(({register}) => { register(); return import(${url}) })`, {eval: true, workerData: init})
}

export class SearchWorkerError extends Error {
  override readonly name = 'SearchWorkerError'
  /** The shared table filled up (a bigger one may do). */
  constructor(
    message: string,
    readonly full = false,
  ) {
    super(message)
  }
}

export async function exhaustiveParallel(model: ModelConfig, limits: SearchLimits, workers: number, now: () => number = performance.now.bind(performance)): Promise<ExhaustiveResult> {
  const started = now()
  for (let log2: number = SHARED_TABLE_LOG2.first; ; log2 += 2) {
    try {
      return await searchWith(model, {...limits, budgetMs: limits.budgetMs - (now() - started)}, workers, now, log2)
    } catch (e) {
      if (!(e instanceof SearchWorkerError && e.full) || log2 + 2 > SHARED_TABLE_LOG2.last) throw e
    }
  }
}

async function searchWith(model: ModelConfig, limits: SearchLimits, workers: number, now: () => number, log2: number): Promise<ExhaustiveResult> {
  const started = now()
  const protocol = protocolFor(model.variant)
  const {keyOf, symmetry} = keyFunction(model, limits.symmetry ?? true)
  const table = VisitedSet.shared(log2)
  const root = SimState.initial(model, protocol)
  table.addHash(keyOf(root))
  const base = {kind: 'exhaustive', symmetry, workers} as const
  if (root.enabled().length === 0) {
    const v = root.checkStuck()
    return {...base, transitions: 0, distinct: 1, maxDepth: 0, ends: 1, cut: 0, seconds: 0, complete: true, found: v === null ? null : {violation: v, trace: [], seed: null}}
  }
  const ctl = new Int32Array(new SharedArrayBuffer(4 * CTL.size))
  const stats = new Float64Array(new SharedArrayBuffer(8 * STAT.size * workers))
  const pool = Array.from({length: workers}, (_, index) => spawn({model, depth: limits.depth, symmetry: limits.symmetry ?? true, table: table.buffer as SharedArrayBuffer, ctl: ctl.buffer as SharedArrayBuffer, stats: stats.buffer as SharedArrayBuffer, index}))
  const run = await coordinate(pool, ctl, stats, {prefix: [], actions: root.enabled()}, limits, now, started, table)
  const r: ExhaustiveResult = {...base, ...run.totals, distinct: table.size, seconds: (now() - started) / 1000, complete: run.found !== null || !run.stopped, found: run.found}
  return shortest(model, limits, protocol, now, keyOf, r)
}

interface Run {
  readonly totals: WorkerStats
  readonly found: Found | null
  /** Stopped by the budget before the end. */
  readonly stopped: boolean
}

/** Hands out work until every worker is idle, one finds a violation, or the budget runs out. */
function coordinate(pool: Worker[], ctl: Int32Array, stats: Float64Array, first: WorkItem, limits: SearchLimits, now: () => number, started: number, table: VisitedSet): Promise<Run> {
  return new Promise((resolve, reject) => {
    const idle = new Set<number>()
    const queue: WorkItem[] = []
    const finals: WorkerStats[] = []
    let found: Found | null = null
    let failure: Error | null = null
    let finishing = false
    let stoppedByBudget = false
    let donations = 0
    const send = (w: number, m: ToWorker): void => pool[w]?.postMessage(m)
    const finish = (): void => {
      if (finishing) return
      finishing = true
      clearTimeout(deadline)
      clearInterval(ticker)
      Atomics.store(ctl, CTL.stop, 1)
      pool.forEach((_, w) => send(w, {type: 'finish'}))
    }
    const deadline = setTimeout(() => {
      stoppedByBudget = true
      finish()
    }, Math.max(0, limits.budgetMs - (now() - started)))
    const ticker = setInterval(() => {
      if (limits.progress === undefined) return
      let transitions = 0
      let depth = 0
      let stack = queue.length
      for (let w = 0; w < pool.length; w++) {
        transitions += stats[w * STAT.size + STAT.transitions] as number
        depth = Math.max(depth, stats[w * STAT.size + STAT.depth] as number)
        stack += stats[w * STAT.size + STAT.stack] as number
      }
      limits.progress({seconds: (now() - started) / 1000, transitions, distinct: table.size, queue: stack, depth})
    }, 1000)
    let alive = pool.length
    pool.forEach((worker, w) => {
      worker.on('error', (e) => {
        failure ??= e
        finish()
      })
      // Every worker ends here: after its stats, or crashed (then `error` said why).
      worker.on('exit', () => {
        if (--alive > 0) return
        if (failure !== null) return reject(failure)
        if (process.env['CMM_DEBUG_PARALLEL']) process.stderr.write(`donations: ${donations}\n`)
        resolve({totals: sum(finals), found, stopped: stoppedByBudget && found === null})
      })
      worker.on('message', (m: FromWorker) => {
        switch (m.type) {
          case 'idle': {
            const item = queue.shift()
            if (item !== undefined) return send(w, {type: 'item', item})
            idle.add(w)
            Atomics.add(ctl, CTL.hungry, 1)
            if (idle.size === pool.length) finish()
            return
          }
          case 'work': {
            donations++
            const [taker] = idle
            if (taker === undefined) return void queue.push(m.item)
            idle.delete(taker)
            return send(taker, {type: 'item', item: m.item})
          }
          case 'found':
            found ??= m.found
            return finish()
          case 'stopped':
            return
          case 'error':
            failure ??= new SearchWorkerError(m.message, m.name === 'TableFullError')
            return finish()
          case 'stats':
            finals.push(m.stats)
            return void worker.terminate()
        }
      })
    })
    send(0, {type: 'item', item: first})
    for (let w = 1; w < pool.length; w++) idle.add(w)
    Atomics.store(ctl, CTL.hungry, pool.length - 1)
  })
}

function sum(all: readonly WorkerStats[]): WorkerStats {
  return {
    transitions: all.reduce((t, s) => t + s.transitions, 0),
    maxDepth: all.reduce((t, s) => Math.max(t, s.maxDepth), 0),
    ends: all.reduce((t, s) => t + s.ends, 0),
    cut: all.reduce((t, s) => t + s.cut, 0),
  }
}
