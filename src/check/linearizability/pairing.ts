// Pairs each invoke with its completion and turns the history into a column table of
// register ops. Values stay as the user wrote them here; they are interned per register
// (small ids, cheap to compare and hash) when the history is split by key.
import {HistoryFormatError} from './errors.js'
import {entryProblem, isNemesis} from './parse-history.js'
import type {CasPair, ParsedHistory, Process, RegisterHistoryEntry, RegisterKey, Scalar} from './types.js'

/** Op kinds as the search steps them. */
export const READ = 0
/** A write, completed or not: it always applies. */
export const WRITE = 1
/** A cas that completed `ok`: applies only when the register holds the expected value. */
export const CAS = 2
/** A cas that may have happened: applies always, writes only when the comparison holds. */
export const CAS_INFO = 3

export interface OpTable {
  readonly count: number
  readonly kind: Uint8Array
  readonly key: Int32Array
  /** read: value returned; write: value written; cas: expected value. */
  readonly valueA: readonly Scalar[]
  /** cas: new value (null for other ops). */
  readonly valueB: readonly Scalar[]
  /** Entry position of the invoke. */
  readonly invoke: Int32Array
  /** Entry position of the `ok` completion; -1 when the op may take effect until the end. */
  readonly complete: Int32Array
  /** Entry position of the `ok`/`info` completion; -1 when there is none. */
  readonly completion: Int32Array
  /** Key id -> key, ids in order of first appearance. */
  readonly keys: readonly RegisterKey[]
  /** `fail` ops and reads with no result: they constrain nothing. */
  readonly dropped: number
  readonly entries: readonly RegisterHistoryEntry[]
  readonly source: string
  /** 1-based line of entry `i` (entry number for an in-memory history). */
  lineOf(position: number): number
}

/**
 * Each process's open invoke. Processes are nearly always small integers (node or
 * worker ids): those index a typed array, since a Map's churn (one set and one delete
 * per op) is the costliest part of pairing a million ops.
 */
class OpenInvokes {
  private small = new Int32Array(64).fill(-1)
  private readonly other = new Map<Process, number>()

  get(p: Process): number {
    if (typeof p === 'number' && p >= 0 && p < 1 << 20 && Number.isInteger(p)) return p < this.small.length ? this.small[p]! : -1
    return this.other.get(p) ?? -1
  }

  set(p: Process, position: number): void {
    if (typeof p === 'number' && p >= 0 && p < 1 << 20 && Number.isInteger(p)) {
      if (p >= this.small.length) {
        let size = this.small.length * 2
        while (size <= p) size *= 2
        const grown = new Int32Array(size).fill(-1)
        grown.set(this.small)
        this.small = grown
      }
      this.small[p] = position
    } else if (position === -1) this.other.delete(p)
    else this.other.set(p, position)
  }
}

function processName(p: Process): string {
  return JSON.stringify(p)
}

/** Where an entry sits in its source, and how to refuse it (a HistoryFormatError naming the line). */
interface Lines {
  readonly source: string
  lineOf(position: number): number
  fail(position: number, detail: string): never
}

/**
 * Pairs invokes with completions: an invoke is completed by the next entry of the same
 * process that is not an invoke. Real-time order is entry order (files are written in
 * real-time order), so `time` is not consulted.
 */
export function pairOperations(history: readonly RegisterHistoryEntry[] | ParsedHistory): OpTable {
  const parsed = !Array.isArray(history)
  const entries: readonly RegisterHistoryEntry[] = parsed ? (history as ParsedHistory).entries : (history as RegisterHistoryEntry[])
  const lines = parsed ? (history as ParsedHistory).lines : null
  const source = parsed ? (history as ParsedHistory).source : '<history>'
  const lineOf = (position: number): number => (lines === null ? position + 1 : (lines[position] ?? position + 1))
  const at: Lines = {
    source,
    lineOf,
    fail: (position, detail) => {
      throw new HistoryFormatError(source, lineOf(position), detail)
    },
  }
  // A parsed file was validated line by line already; in-memory entries were not.
  const {match, invokes} = matchCompletions(entries, !parsed, at)
  return {...opTable(entries, match, invokes, at), entries, source, lineOf}
}

/** Each invoke's completion (`match[invoke]`, -1 for none) and the number of invokes. */
function matchCompletions(entries: readonly RegisterHistoryEntry[], validate: boolean, at: Lines): {match: Int32Array; invokes: number} {
  const n = entries.length
  const match = new Int32Array(n).fill(-1)
  const open = new OpenInvokes()
  let invokes = 0
  for (let i = 0; i < n; i++) {
    const e = entries[i]!
    if (isNemesis(e)) continue
    if (validate) {
      const problem = entryProblem(e)
      if (problem !== null) at.fail(i, problem)
    }
    const prev = open.get(e.process)
    if (e.type === 'invoke') {
      if (prev !== -1) {
        at.fail(i, `process ${processName(e.process)} invokes again while its ${entries[prev]!.f} from line ${at.lineOf(prev)} is still open`)
      }
      open.set(e.process, i)
      invokes++
      continue
    }
    if (prev === -1) at.fail(i, `${e.type} for process ${processName(e.process)}, which has no open invoke`)
    const inv = entries[prev]!
    if (inv.f !== e.f) at.fail(i, `${e.type} ${e.f} completes the ${inv.f} invoked on line ${at.lineOf(prev)}`)
    if (e.key !== undefined && (e.key ?? null) !== (inv.key ?? null)) {
      at.fail(i, `${e.type} has key ${JSON.stringify(e.key)} but its invoke on line ${at.lineOf(prev)} has key ${JSON.stringify(inv.key ?? null)}`)
    }
    match[prev] = i
    open.set(e.process, -1)
  }
  return {match, invokes}
}

/** The column table of the ops that constrain anything (`fail` ops and reads without a result are dropped). */
function opTable(entries: readonly RegisterHistoryEntry[], match: Int32Array, invokes: number, at: Lines): Omit<OpTable, 'entries' | 'source' | 'lineOf'> {
  const keyIds = new Map<RegisterKey, number>()
  const keys: RegisterKey[] = []
  const kind = new Uint8Array(invokes)
  const key = new Int32Array(invokes)
  const valueA: Scalar[] = []
  const valueB: Scalar[] = []
  const invoke = new Int32Array(invokes)
  const complete = new Int32Array(invokes)
  const completion = new Int32Array(invokes)
  let count = 0
  let dropped = 0
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!
    if (e.type !== 'invoke' || isNemesis(e)) continue
    const c = match[i]!
    const done = c >= 0 ? entries[c]! : null
    const outcome = done === null ? 'info' : done.type
    // Knossos drops failed ops outright: a failed cas says nothing about its comparison.
    if (outcome === 'fail' || (e.f === 'read' && outcome !== 'ok')) {
      dropped++
      continue
    }
    const k: RegisterKey = e.key ?? null
    let kid = keyIds.get(k)
    if (kid === undefined) {
      kid = keys.length
      keyIds.set(k, kid)
      keys.push(k)
    }
    kind[count] = pushValues(e, done, outcome === 'ok', valueA, valueB, i, at)
    key[count] = kid
    invoke[count] = i
    complete[count] = outcome === 'ok' ? c : -1
    completion[count] = c
    count++
  }
  return {count, kind, key, valueA, valueB, invoke, complete, completion, keys, dropped}
}

/**
 * Appends an op's values to `valueA`/`valueB` (read: returned; write: written; cas: expected and
 * new), taken from its invoke or else its completion, and returns its kind.
 */
function pushValues(e: RegisterHistoryEntry, done: RegisterHistoryEntry | null, ok: boolean, valueA: Scalar[], valueB: Scalar[], position: number, at: Lines): number {
  if (e.f === 'read') {
    valueA.push(done!.value as Scalar)
    valueB.push(null)
    return READ
  }
  if (e.f === 'write') {
    const v = e.value !== undefined ? e.value : done?.value
    if (v === undefined || Array.isArray(v)) at.fail(position, 'a write needs a scalar "value"')
    valueA.push(v as Scalar)
    valueB.push(null)
    return WRITE
  }
  const pair = Array.isArray(e.value) ? e.value : done?.value
  if (!Array.isArray(pair)) at.fail(position, 'a cas needs "value": [expected, new]')
  valueA.push((pair as CasPair)[0])
  valueB.push((pair as CasPair)[1])
  return ok ? CAS : CAS_INFO
}
