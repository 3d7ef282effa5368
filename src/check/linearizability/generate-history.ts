// Random *linearizable* register histories, for testing and benchmarking the checker: a
// simulated register shared by concurrent processes, each op taking effect at a random
// point inside its [invoke, completion] interval (an `info` op: at a random point after
// its invoke, or never). Seeded, so that a failing seed replays exactly.
import type {RegisterHistoryEntry, Scalar} from './types.js'
import {createRng} from '../../workload/random.js'

export interface GenerateOptions {
  readonly seed: number
  /** Ops invoked in total. */
  readonly ops: number
  /** Processes running at once (a process that crashes is replaced by a new id). */
  readonly processes: number
  /** Registers; 0 writes no `key` field (one register). Default 0. */
  readonly keys?: number
  /** Fractions of ops that are reads and cas (the rest are writes). Defaults 0.5, 0. */
  readonly reads?: number
  readonly cas?: number
  /** Fraction of writes/cas that crash (`info`, or no completion at all). Default 0. */
  readonly info?: number
  /** Fraction of writes and reads that `fail` (take no effect). Default 0. */
  readonly fail?: number
  /** Mean op duration over mean pause between a process's ops; higher = more overlap. Default 1. */
  readonly overlap?: number
  /**
   * Write values drawn from 0..values-1, as Jepsen's cas-register test does (harder: a
   * read no longer names the write it saw). Default: every write writes a unique string.
   */
  readonly values?: number
}

/** The project's seeded generator (src/workload/random.ts): a seed replays exactly. */
export function prng(seed: number): () => number {
  const rng = createRng(seed)
  return () => rng.nextFloat()
}

interface SimOp {
  process: number
  f: 'read' | 'write' | 'cas'
  key: string | undefined
  keyIndex: number
  start: number
  end: number
  /** When it takes effect; +Infinity = never. */
  at: number
  outcome: 'ok' | 'fail' | 'info' | 'none'
  value: Scalar | [Scalar, Scalar]
  /** cas: take the register's value at `at` as the expected value (else a stale one). */
  casMatches: boolean
}

export function generateRegisterHistory(options: GenerateOptions): RegisterHistoryEntry[] {
  const rand = prng(options.seed)
  const sim = simulate(options, rand)
  applyInOrder(sim, options.keys ?? 0, rand)
  return entriesOf(sim)
}

/** The ops: who runs what when, when it takes effect and how it ends (values not yet read). */
function simulate(options: GenerateOptions, rand: () => number): SimOp[] {
  const keys = options.keys ?? 0
  const reads = options.reads ?? 0.5
  const cas = options.cas ?? 0
  const info = options.info ?? 0
  const failRate = options.fail ?? 0
  const overlap = options.overlap ?? 1
  const P = options.processes

  // Each process slot runs ops back to back with pauses; crashing gives the slot a new id.
  const clock = Array.from({length: P}, () => rand())
  const pid = Array.from({length: P}, (_, i) => i)
  let nextPid = P
  const sim: SimOp[] = []
  for (let n = 0; n < options.ops; n++) {
    const slot = Math.floor(rand() * P)
    const start = clock[slot]! + rand() * 2
    const duration = (0.05 + rand() * 2 * rand()) * overlap * 2
    const end = start + duration
    const r = rand()
    const f = r < reads ? 'read' : r < reads + cas ? 'cas' : 'write'
    const keyIndex = keys === 0 ? 0 : Math.floor(rand() * keys)
    let outcome: SimOp['outcome'] = 'ok'
    let at = start + rand() * duration
    const o = rand()
    if (f !== 'read' && o < info) {
      outcome = rand() < 0.5 ? 'info' : 'none'
      // A crashed op may take effect long after its caller gave up, or never.
      at = rand() < 0.5 ? start + rand() * duration * 4 : Number.POSITIVE_INFINITY
    } else if (o < info + failRate && f !== 'cas') {
      outcome = 'fail'
      at = Number.POSITIVE_INFINITY
    }
    sim.push({
      process: pid[slot]!,
      f,
      key: keys === 0 ? undefined : `k${keyIndex}`,
      keyIndex,
      start,
      end,
      at,
      outcome,
      value: f === 'read' ? null : options.values === undefined ? `${pid[slot]}:${n}` : Math.floor(rand() * options.values),
      casMatches: rand() < 0.7,
    })
    clock[slot] = end
    if (outcome === 'info' || outcome === 'none') pid[slot] = nextPid++
  }
  return sim
}

/** Applies the effects in linearization order to a model register per key: what reads return, what cas expect. */
function applyInOrder(sim: SimOp[], keys: number, rand: () => number): void {
  const current: Scalar[] = new Array<Scalar>(Math.max(1, keys)).fill(null)
  const seen: Scalar[][] = Array.from({length: Math.max(1, keys)}, () => [null])
  const byEffect = sim.filter((op) => op.at !== Number.POSITIVE_INFINITY).sort((x, y) => x.at - y.at)
  for (const op of byEffect) {
    const k = op.keyIndex
    if (op.f === 'read') {
      op.value = current[k]!
    } else if (op.f === 'write') {
      current[k] = op.value as Scalar
      seen[k]!.push(op.value as Scalar)
    } else {
      const history = seen[k]!
      const expected = op.casMatches ? current[k]! : history[Math.floor(rand() * history.length)]!
      const written = op.value as Scalar
      op.value = [expected, written]
      if (expected === current[k]) {
        current[k] = written
        history.push(written)
      } else if (op.outcome === 'ok') {
        op.outcome = 'fail'
      }
    }
  }
  for (const op of sim) {
    // A cas that never took effect still needs an [expected, new] pair.
    if (op.f === 'cas' && !Array.isArray(op.value)) op.value = [null, op.value]
  }
}

/** The history: each op's invoke and completion (none for a crash that never returned), in time order. */
function entriesOf(sim: readonly SimOp[]): RegisterHistoryEntry[] {
  const timed: {time: number; entry: RegisterHistoryEntry}[] = []
  for (const op of sim) {
    const keyField = op.key === undefined ? {} : {key: op.key}
    const invokeValue = op.f === 'read' ? null : op.value
    timed.push({time: op.start, entry: {process: op.process, type: 'invoke', f: op.f, ...keyField, value: invokeValue}})
    if (op.outcome === 'none') continue
    const value = op.f === 'read' && op.outcome !== 'ok' ? null : op.value
    timed.push({time: op.end, entry: {process: op.process, type: op.outcome, f: op.f, ...keyField, value}})
  }
  timed.sort((x, y) => x.time - y.time)
  return timed.map(({time, entry}, index) => ({index, time: Math.round(time * 1e6), ...entry}))
}
