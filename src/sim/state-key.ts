// The canonical text of a simulator state, written under a renaming of node slots: the identity
// for the plain search, a permutation for symmetry reduction (src/sim/symmetry.ts). Node ids
// hide in process ids (slot + incarnation x nodes: holders, queues, requests, the wait-for graph,
// the dead set, deadlock victims) and in page stamps (`n<slot>.<op>`: what a write stores);
// every one of them goes through the renaming, so two states with equal keys behave the same
// up to that renaming. Only decisions are keyed: the manager's maps are sorted (its decisions
// never depend on their order), a node core keeps its own order (see node-core-state.ts).
import type {CopyResult} from '../protocol/copy-plan.js'
import type {ManagerModel} from '../protocol/manager.js'
import {stampOf} from '../protocol/node-core-state.js'
import {pageKey, type ManagerRequest, type NodeMessage, type PageBytes} from '../protocol/types.js'
import type {WaitGraph} from '../protocol/wait-graph.js'
import {hashFilled, hashLanes} from './hash.js'
import {MAX_NODES} from './types.js'
import type {ReplyInput, SimNode} from './sim-node.js'

/** How node slot `x` is written in a key. */
export type SlotText = (x: number) => string

/** What a key is made from (the fields of SimState it reads). */
export interface KeyedState {
  readonly now: number
  readonly killsLeft: number
  readonly pausesLeft: number
  readonly nodes: readonly SimNode[]
  readonly manager: ManagerModel
  readonly lastWrite: ReadonlyMap<string, string | null>
}

/** Marks a node slot in a template text: MARK, then the slot as one char code. */
const MARK = '\u0001'
const SLOT_BASE = 0x30

/** Writes process ids and stamps with slots renamed. */
export class Naming {
  #slots: string[] | null = null

  /** The hash of a template text (see `template`) with its marked slots written by this naming. */
  hashFilled(template: string): Hash64 {
    this.#slots ??= Array.from({length: MAX_NODES}, (_, x) => this.slot(x))
    hashFilled(template, this.#slots, SLOT_BASE, lanes)
    return {a: lanes[0] as number, b: lanes[1] as number}
  }

  readonly #stamp = (data: Uint8Array): string | null => this.stamp(stampOf(data))
  constructor(
    /** Names this renaming in the key caches: equal ids, equal renamings. */
    readonly id: string,
    /** Node slots of the model (process ids are slot + incarnation x nodes). */
    readonly nodes: number,
    readonly slot: SlotText,
  ) {}

  pid(p: number): string {
    const nodes = this.nodes
    const inc = Math.floor(p / nodes)
    const s = this.slot(p - inc * nodes)
    return inc === 0 ? s : `${s}^${inc}`
  }

  stamp(text: string | null): string | null {
    if (text === null) return null
    const m = splitStamp(text)
    return m === null ? text : `n${this.slot(m.slot)}.${m.rest}`
  }

  bytes(data: PageBytes | null): string {
    return data === null ? '' : (this.stamp(stampOf(data)) ?? '')
  }

  /** For NodeCore.stateKey: page bytes as renamed stamps. */
  get stampText(): (data: Uint8Array) => string | null {
    return this.#stamp
  }
}

const splits = new Map<string, {slot: number; rest: string} | null>()
/** `n2.5` -> slot 2, rest `5` (memoized: a search sees few distinct stamps). */
function splitStamp(text: string): {slot: number; rest: string} | null {
  let m = splits.get(text)
  if (m === undefined) {
    const r = /^n(\d+)\.(.*)$/.exec(text)
    m = r === null ? null : {slot: Number(r[1]), rest: r[2] as string}
    splits.set(text, m)
  }
  return m
}

/** Writes every slot as a mark, to be filled in by a naming (one text per node, many renamings). */
const templates: Naming[] = []
function template(nodes: number): Naming {
  let t = templates[nodes]
  if (t === undefined) {
    t = new Naming('template', nodes, (x) => MARK + String.fromCharCode(SLOT_BASE + x))
    templates[nodes] = t
  }
  return t
}

/** The identity naming: the key of the state as it is. */
export function identity(nodes: number): Naming {
  return new Naming('id', nodes, String)
}

/** A 64-bit hash in two 32-bit lanes. */
export interface Hash64 {
  readonly a: number
  readonly b: number
}

const lanes = new Int32Array(2)
function hashOf(text: string): Hash64 {
  hashLanes(text, lanes)
  return {a: lanes[0] as number, b: lanes[1] as number}
}

/** Lexicographic order of hashes (as unsigned lanes). */
export function compareHash(x: Hash64, y: Hash64): number {
  return x.a !== y.a ? (x.a >>> 0) - (y.a >>> 0) : (x.b >>> 0) - (y.b >>> 0)
}

/**
 * The hash of one node's text (cached on the node: a transition changes one or two nodes, so
 * the others' texts are neither written nor hashed again).
 */
export function nodeHash(n: SimNode, name: Naming): Hash64 {
  let keys = n.keys
  if (keys === null) {
    keys = {template: nodeKey(n, template(name.nodes)), hashes: new Map()}
    n.keys = keys
  }
  let h = keys.hashes.get(name.id)
  if (h === undefined) {
    h = name.hashFilled(keys.template)
    keys.hashes.set(name.id, h)
  }
  return h
}

/** Everything of one node, as text (nothing in it is sorted by node id: a template can be filled). */
export function nodeKey(n: SimNode, name: Naming): string {
  let s = `${n.inc}${n.zombie ? 'Z' : ''}.${n.pc}.${n.si}.${n.awaiting ?? ''}.${name.bytes(n.buf)}.${n.wakes.join(',')}`
  if (n.plan !== null) s += `C${n.plan.stateKey()}.${resultKey(n.result)}${n.aborting ? 'A' : ''}`
  s += `\n${n.core.stateKey(name.stampText)}\n`
  for (const r of n.requests) s += requestKey(r, name) + ';'
  s += '\n'
  for (const r of n.replies) s += replyKey(r, name) + ';'
  s += '\n'
  for (const m of n.stream) s += messageKey(m, name) + ';'
  s += '\n'
  for (const p of n.disk) s += pageKey(p) + ';'
  return s
}

function resultKey(r: CopyResult | null): string {
  return r?.type ?? ''
}

/**
 * The hash of stateKey(s, name, order), from the cached hashes of its parts (what the searches
 * store): equal states, equal hashes; a collision is as likely as one of the whole text's.
 */
export function stateHash(s: KeyedState, name: Naming, order: readonly number[]): Hash64 {
  const head = hashOf(`${s.now}.${s.killsLeft}.${s.pausesLeft}${lastWriteKey(s.lastWrite, name)}`)
  let a = head.a
  let b = head.b
  const mix = (h: Hash64): void => {
    a = Math.imul(a ^ h.a, 0x9e3779b1)
    a = (a << 13) | (a >>> 19)
    b = Math.imul(b ^ h.b, 0x85ebca77)
    b = (b << 17) | (b >>> 15)
    b ^= a
  }
  for (const i of order) mix(nodeHash(s.nodes[i] as SimNode, name))
  mix(managerHash(s.manager, name))
  return {a: a ^ (b >>> 7), b: Math.imul(b ^ (a >>> 11), 0xc2b2ae35)}
}

/** The key of the whole state with the nodes in `order` (canonical position -> real slot). */
export function stateKey(s: KeyedState, name: Naming, order: readonly number[]): string {
  let k = `${s.now}.${s.killsLeft}.${s.pausesLeft}`
  for (const i of order) k += `#${nodeKey(s.nodes[i] as SimNode, name)}`
  return k + managerKey(s.manager, name) + lastWriteKey(s.lastWrite, name)
}

const managerKeys = new WeakMap<ManagerModel, Map<string, Hash64>>()

/** The manager is about to change: its cached key texts go. */
export function forgetManagerKeys(m: ManagerModel): void {
  managerKeys.delete(m)
}

/**
 * The hash of the manager's part (cached on the manager object, as a node's). Written under
 * each naming, not filled into a template: it sorts holders, the dead and the wait-for graph
 * by their renamed ids.
 */
function managerHash(m: ManagerModel, name: Naming): Hash64 {
  let keys = managerKeys.get(m)
  if (keys === undefined) {
    keys = new Map()
    managerKeys.set(m, keys)
  }
  let h = keys.get(name.id)
  if (h === undefined) {
    h = hashOf(managerKey(m, name))
    keys.set(name.id, h)
  }
  return h
}

export function managerKey(m: ManagerModel, name: Naming): string {
  let s = '\nM'
  for (const id of [...m.units.keys()].sort()) {
    const u = m.units.get(id)
    if (u === undefined) continue
    s += `\n${id}:${u.generation}.${u.seq}.${u.upgrading === null ? '' : name.pid(u.upgrading)}|`
    const holders: string[] = []
    for (const [node, h] of u.holders) holders.push(`${name.pid(node)}${h.mode}${h.seq}${h.callback};`)
    if (holders.length > 1) holders.sort()
    s += holders.join('') + '|'
    for (const w of u.queue) s += `${name.pid(w.node)}${w.mode}${w.page.file}/${w.page.page};`
  }
  for (const k of [...m.disk.keys()].sort()) {
    const d = m.disk.get(k)
    if (d !== undefined) s += `\n${k}=${name.bytes(d.data)}.${d.version}.${d.generation}`
  }
  // Dead incarnations (node kills): they are fenced, so they are part of the state.
  if (m.dead.size > 0) s += `\nD${[...m.dead].map((p) => name.pid(p)).sort().join(',')}`
  return s + `\nG${waitGraphKey(m.graph, name)}`
}

/**
 * What the wait-for graph will decide from here: waits and pin records, sorted. A wait's age
 * enters only as its rank (detection only compares ages, and a new wait is always the youngest),
 * the counters not at all (they only number cycles for reports).
 */
function waitGraphKey(g: WaitGraph, name: Naming): string {
  if (g.waits.size === 0 && g.pinned.size === 0) return ''
  const waits = [...g.waits.values()].sort((a, b) => a.n - b.n)
  const parts = waits.map((w, rank) => `w${name.pid(w.node)}${w.unit}${w.mode}${rank};`).sort()
  const pins = [...g.pinned.values()].map((p) => `d${name.pid(p.node)}${p.unit}${p.mode}${p.seq};`).sort()
  return parts.join('') + pins.join('')
}

function lastWriteKey(lastWrite: ReadonlyMap<string, string | null>, name: Naming): string {
  let s = '\nW'
  for (const [k, v] of lastWrite) s += `${k}=${name.stamp(v) ?? ''};`
  return s
}

export function requestKey(r: ManagerRequest, name: Naming): string {
  const node = name.pid(r.node)
  switch (r.type) {
    case 'acquire':
      return `A${node}${r.unit}${r.mode}${pageKey(r.page)}${r.try ? 't' : ''}`
    case 'upgrade':
      return `U${node}${r.unit}${r.seq}`
    case 'demote':
      return `D${node}${r.unit}${r.seq}${r.to}${r.generation}[${r.writeback.map((w) => `${pageKey(w.page)}=${name.bytes(w.data)}`).join(',')}]`
    case 'writeback':
      return `W${node}${r.unit}${r.seq}${r.generation}[${r.writeback.map((w) => `${pageKey(w.page)}=${name.bytes(w.data)}`).join(',')}]`
    case 'cancel':
      return `C${node}${r.unit}`
    case 'defer':
      return `F${node}${r.unit}${r.seq}`
  }
}

function replyKey(r: ReplyInput, name: Naming): string {
  const x = r.reply
  const head = `${r.unit}:${r.request}:${x.type}`
  switch (x.type) {
    case 'granted':
      return `${head}${x.mode}${x.seq}.${x.generation}${x.page === null ? '' : `${pageKey(x.page.page)}=${name.bytes(x.page.data)}.${x.page.version}`}`
    case 'refused':
      return `${head}${x.reason}`
    case 'demoted':
    case 'written':
      return `${head}${x.accepted}`
    case 'stale':
      return `${head}${x.rejected}`
    default:
      return head
  }
}

function messageKey(m: NodeMessage, name: Naming): string {
  if (m.type === 'callback') return `c${m.unit}${m.kind}${m.seq}`
  // The id only numbers the cycle for reports.
  if (m.type === 'deadlock') return `x${m.unit}v${name.pid(m.victim)}`
  return `g${m.unit}${m.mode}${m.seq}.${m.generation}${m.upgrade ? 'u' : ''}${m.page === null ? '' : `${pageKey(m.page.page)}=${name.bytes(m.page.data)}.${m.page.version}`}`
}
