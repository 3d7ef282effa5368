// Copying and naming a node core's state, for the model checker (src/sim/): exhaustive search
// copies every state it branches from and merges equal states by a canonical key.
// Kept apart from node-core.ts so that the state machine itself stays as it is.
import {decodeStamp} from './page-data.js'
import type {Inflight, NodeOp, UnitState} from './node-unit.js'

/**
 * decodeStamp, memoized per buffer: page bytes are never changed in place, and the same buffers
 * are shared by every copy of a state, so the search decodes each written page once.
 */
const stamps = new WeakMap<Uint8Array, string | null>()
export function stampOf(data: Uint8Array): string | null {
  let s = stamps.get(data)
  if (s === undefined) {
    s = decodeStamp(data)
    stamps.set(data, s)
  }
  return s
}

export function cloneUnit(u: UnitState): UnitState {
  const pages = new Map<string, UnitState['pages'] extends Map<string, infer S> ? S : never>()
  // Page bytes are never mutated in place (writes replace `data`), so sharing them is safe.
  for (const [key, s] of u.pages) pages.set(key, {page: s.page, pte: s.pte, data: s.data, dirty: s.dirty})
  const reading = new Map<string, UnitState['reading'] extends Map<string, infer R> ? R : never>()
  for (const [key, r] of u.reading) reading.set(key, {page: r.page, epoch: r.epoch, ops: r.ops.map((op) => ({...op}))})
  return {
    id: u.id,
    mode: u.mode,
    seq: u.seq,
    generation: u.generation,
    grantTime: u.grantTime,
    pins: [...u.pins],
    inflight: u.inflight === null ? null : ({...u.inflight} as Inflight),
    callback: u.callback,
    dropAfterRefusal: u.dropAfterRefusal,
    wakeAt: u.wakeAt,
    epoch: u.epoch,
    deferReported: u.deferReported,
    pages,
    waiting: u.waiting.map((op) => ({...op})),
    reading,
  }
}

/**
 * How a key writes what can be renamed without changing a decision: page bytes (the stamp as it
 * is, or, for symmetry reduction in src/sim/, with the writer's node id renamed: the only place
 * a node id hides in a core's state) and a unit's lock counters (its seqs and generations: the
 * protocol only compares them with each other and issues each new one above all the others, so
 * src/sim/ writes them renumbered by rank).
 */
export interface KeyText {
  stamp(data: Uint8Array): string | null
  counter(kind: CounterKind, unit: string, value: number): string
}

export type CounterKind = 'seq' | 'generation'

/** Stamps and counters as they are. */
export const PLAIN_KEY_TEXT: KeyText = {stamp: stampOf, counter: (_kind, _unit, value) => String(value)}

/**
 * Canonical text of one unit: two units with equal keys behave the same from here on. Map
 * orders are kept (not sorted): iteration order can decide effect order, and a key that
 * distinguishes more than needed only costs merging, never soundness. The cache epoch enters
 * only as "this disk read is of the current epoch or not": it is compared with nothing else.
 */
export function unitKey(u: UnitState, text: KeyText = PLAIN_KEY_TEXT): string {
  const seq = (v: number): string => text.counter('seq', u.id, v)
  let s = `${u.id}|${u.mode}${seq(u.seq)}.${text.counter('generation', u.id, u.generation)}.${u.grantTime}|${u.pins.join(',')}|${inflightKey(u.inflight)}|`
  s += u.callback === null ? '-' : `${u.callback.kind}${seq(u.callback.seq)}`
  s += `|${u.dropAfterRefusal ? 'D' : ''}${u.wakeAt ?? ''}|${u.deferReported === null ? '' : seq(u.deferReported)}|`
  for (const p of u.pages.values()) s += `${p.page.file}/${p.page.page}:${p.pte}:${p.data === null ? '' : text.stamp(p.data)}${p.dirty ? '*' : ''};`
  s += '|'
  for (const op of u.waiting) s += opKey(op) + ';'
  s += '|'
  for (const r of u.reading.values()) s += `${r.page.file}/${r.page.page}${r.epoch === u.epoch ? '@' : '<'}[${r.ops.map(opKey).join(',')}];`
  return s
}

function inflightKey(f: Inflight | null): string {
  if (f === null) return '-'
  switch (f.request) {
    case 'acquire':
      return `a${f.mode}${f.phase}${f.tryPin ?? ''}`
    case 'upgrade':
      return `u${f.phase}`
    case 'demote':
      return `d${f.to}${f.reason.kind === 'callback' ? f.reason.callback : 'refused'}${f.offered}`
    case 'writeback':
      return `w${f.sync}.${f.offered}`
  }
}

/** An op waiting: its fault class is left out (it only labels the `access-done` effect for metrics: no decision reads it). */
function opKey(op: NodeOp): string {
  switch (op.kind) {
    case 'access':
      return `${op.access}${op.id}`
    case 'pin':
      return `p${op.id}${op.mode}${op.try ? 't' : ''}`
    case 'sync':
      return `s${op.id}`
  }
}
