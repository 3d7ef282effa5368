// Shared helpers for the history checker's tests: a compact way to write histories, an
// independent exhaustive checker straight from the definition, and random histories.
import {prng} from '../../src/check/linearizability/generate-history.js'
import type {CasPair, EntryType, Process, RegisterFn, RegisterHistoryEntry, Scalar} from '../../src/check/linearizability/types.js'

/** `[process, type, f, value?, key?]`, one per history line. */
export type Line = readonly [Process, EntryType, RegisterFn, (Scalar | CasPair)?, string?]

export function history(...lines: Line[]): RegisterHistoryEntry[] {
  return lines.map(([process, type, f, value, key]) => ({
    process,
    type,
    f,
    ...(key === undefined ? {} : {key}),
    ...(value === undefined ? {} : {value}),
  }))
}

export function toJsonl(entries: readonly RegisterHistoryEntry[]): string {
  return entries.map((e) => JSON.stringify(e)).join('\n') + '\n'
}

interface RefOp {
  readonly inv: number
  ret: number
  readonly f: RegisterFn
  readonly key: string | number | null
  value: Scalar | CasPair | undefined
  outcome: EntryType
}

/**
 * Linearizability by exhaustive search, from the definition: every `ok` op is placed
 * once, in an order where an op never precedes one that completed before it was
 * invoked; `info` (or unfinished) ops may be placed after their invoke or not at all;
 * `fail` ops never. Memoized on (placed set, value); only for tiny histories.
 */
export function referenceLinearizable(entries: readonly RegisterHistoryEntry[]): boolean {
  const ops: RefOp[] = []
  const open = new Map<Process, RefOp>()
  entries.forEach((e, i) => {
    if (e.type === 'invoke') {
      const op: RefOp = {inv: i, ret: Number.POSITIVE_INFINITY, f: e.f, key: e.key ?? null, value: e.value, outcome: 'info'}
      ops.push(op)
      open.set(e.process, op)
      return
    }
    const op = open.get(e.process)!
    open.delete(e.process)
    op.outcome = e.type
    if (e.type === 'ok') op.ret = i
    if (e.f === 'read') op.value = e.value
  })
  const keys = new Set(ops.map((o) => o.key))
  for (const key of keys) {
    const mine = ops.filter((o) => o.key === key && o.outcome !== 'fail' && !(o.f === 'read' && o.outcome !== 'ok'))
    if (!searchKey(mine)) return false
  }
  return true
}

function searchKey(ops: readonly RefOp[]): boolean {
  if (ops.length > 24) throw new Error('reference checker: history too large')
  const required = ops.reduce((mask, o, i) => (o.outcome === 'ok' ? mask | (1 << i) : mask), 0)
  const dead = new Set<string>()
  const go = (placed: number, state: Scalar): boolean => {
    if ((placed & required) === required) return true
    const memo = `${placed}:${JSON.stringify(state)}`
    if (dead.has(memo)) return false
    for (let i = 0; i < ops.length; i++) {
      if (placed & (1 << i)) continue
      const x = ops[i]!
      // x may go next unless an unplaced op completed before x was invoked.
      if (ops.some((y, j) => j !== i && !(placed & (1 << j)) && y.ret < x.inv)) continue
      let next: Scalar
      if (x.f === 'read') {
        if (x.value !== state) continue
        next = state
      } else if (x.f === 'write') {
        next = x.value as Scalar
      } else {
        const [expected, value] = x.value as CasPair
        if (state !== expected && x.outcome === 'ok') continue
        next = state === expected ? value : state
      }
      if (go(placed | (1 << i), next)) return true
    }
    dead.add(memo)
    return false
  }
  return go(0, null)
}

/**
 * An arbitrary small history (linearizable or not): processes invoke and complete
 * ops at random, reads return random values, some ops fail, crash or never complete.
 */
export function randomHistory(
  seed: number,
  opCount: number,
  processes: number,
  keys: number,
  mix: {values?: number; crashes?: number} = {},
): RegisterHistoryEntry[] {
  const rand = prng(seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!
  const values: Scalar[] = [null, ...Array.from({length: mix.values ?? 3}, (_, i) => i + 1)]
  const crashes = mix.crashes ?? 0.2
  const out: RegisterHistoryEntry[] = []
  const open = new Map<number, RegisterHistoryEntry>()
  let pid = processes
  const slots = Array.from({length: processes}, (_, i) => i)
  let invoked = 0
  while (invoked < opCount || open.size > 0) {
    const idle = slots.filter((p) => !open.has(p))
    if (invoked < opCount && idle.length > 0 && (open.size === 0 || rand() < 0.5)) {
      const p = pick(idle)
      const f = pick<RegisterFn>(['read', 'write', 'write', 'cas'])
      const key = keys > 1 ? `k${Math.floor(rand() * keys)}` : undefined
      const value: Scalar | CasPair = f === 'read' ? null : f === 'write' ? pick(values.slice(1)) : [pick(values), pick(values.slice(1))]
      const e: RegisterHistoryEntry = {process: p, type: 'invoke', f, value, ...(key === undefined ? {} : {key})}
      out.push(e)
      open.set(p, e)
      invoked++
      continue
    }
    const p = pick([...open.keys()])
    const inv = open.get(p)!
    open.delete(p)
    const r = rand()
    const type: EntryType = r < 1 - crashes ? 'ok' : r < 1 - crashes / 2 ? 'fail' : 'info'
    if (r > 1 - crashes / 4 && invoked >= opCount) {
      // Never completes; the slot gets a new process so pairing stays well formed.
    } else {
      const value = inv.f === 'read' ? (type === 'ok' ? pick(values) : null) : inv.value
      out.push({...inv, type, value})
    }
    if (type === 'info' || r > 1 - crashes / 4) slots[slots.indexOf(p)] = pid++
  }
  return out
}

/** The positions of invoke/completion pairs of `ok` reads in a history. */
export function okReads(entries: readonly RegisterHistoryEntry[]): {invoke: number; complete: number}[] {
  const open = new Map<Process, number>()
  const out: {invoke: number; complete: number}[] = []
  entries.forEach((e, i) => {
    if (e.type === 'invoke') open.set(e.process, i)
    else {
      const inv = open.get(e.process)!
      open.delete(e.process)
      if (e.f === 'read' && e.type === 'ok') out.push({invoke: inv, complete: i})
    }
  })
  return out
}

/**
 * For the read completing at `complete`: a value that was certainly overwritten before
 * the read began (written by an `ok` op that completed before another `ok` write to the
 * same key was invoked, which itself completed before the read was invoked), if any.
 */
export function staleValueFor(entries: readonly RegisterHistoryEntry[], read: {invoke: number; complete: number}): Scalar | undefined {
  const key = entries[read.invoke]!.key ?? null
  const writes: {invoke: number; complete: number; value: Scalar}[] = []
  const open = new Map<Process, number>()
  entries.forEach((e, i) => {
    if (e.type === 'invoke') open.set(e.process, i)
    else {
      const inv = open.get(e.process)!
      open.delete(e.process)
      const ie = entries[inv]!
      if ((ie.key ?? null) !== key || e.type !== 'ok' || ie.f === 'read') return
      const value = ie.f === 'cas' ? (ie.value as CasPair)[1] : (ie.value as Scalar)
      writes.push({invoke: inv, complete: i, value})
    }
  })
  const current = entries[read.complete]!.value
  for (const w of writes) {
    const later = writes.find((w2) => w2.invoke > w.complete && w2.complete < read.invoke && w2.value !== w.value)
    // Generated values are unique per write, so nothing else writes w.value again.
    if (later !== undefined && w.value !== current) return w.value
  }
  return undefined
}

/**
 * A single-register history that is not linearizable but takes the search exponential
 * time to refute: `writers` concurrent writes, then two reads, after all of them, of two
 * different written values. Every order of the writes has to be ruled out.
 */
export function hardHistory(writers: number): RegisterHistoryEntry[] {
  const out: RegisterHistoryEntry[] = []
  for (let p = 0; p < writers; p++) out.push({process: p, type: 'invoke', f: 'write', value: p})
  for (let p = 0; p < writers; p++) out.push({process: p, type: 'ok', f: 'write', value: p})
  out.push(
    {process: writers, type: 'invoke', f: 'read', value: null},
    {process: writers, type: 'ok', f: 'read', value: 0},
    {process: writers, type: 'invoke', f: 'read', value: null},
    {process: writers, type: 'ok', f: 'read', value: 1},
  )
  return out
}
