// The canonical text of a simulator state, written under a renaming of node slots: the identity
// for the plain search, a permutation for symmetry reduction (src/sim/symmetry.ts). Node ids
// hide in process ids (slot + incarnation x nodes: holders, queues, requests, the wait-for graph,
// the dead set, deadlock victims) and in page stamps (`n<slot>.<op>`: what a write stores);
// every one of them goes through the renaming, so two states with equal keys behave the same
// up to that renaming. Only decisions are keyed: the manager's maps are sorted (its decisions
// never depend on their order), a node core keeps its own order (see node-core-state.ts).
// A unit's lock counters (seqs, generations) are written by rank (see Ranks), and what no
// decision reads is left out (disk versions and the generation a disk page was written under).
import type {CopyResult} from '../protocol/copy-plan.js'
import type {ManagerModel} from '../protocol/manager.js'
import {stampOf, type CounterKind, type KeyText} from '../protocol/node-core-state.js'
import {pageKey, type ManagerRequest, type NodeMessage, type PageBytes} from '../protocol/types.js'
import type {WaitGraph} from '../protocol/wait-graph.js'
import {hashFilled, hashLanes} from './hash.js'
import {MAX_NODES} from './types.js'
import type {NodeKeys, ReplyInput, SimNode} from './sim-node.js'
import {SimulatorError} from './violation.js'

/** How node slot `x` is written in a key. */
export type SlotText = (x: number) => string

/** What a key is made from (the fields of SimState it reads). */
export interface KeyedState {
  readonly now: number
  readonly killsLeft: number
  readonly pausesLeft: number
  readonly partitionsLeft: number
  readonly nodes: readonly SimNode[]
  readonly manager: ManagerModel
  readonly lastWrite: ReadonlyMap<string, string | null>
}

/** Marks a node slot in a template text: MARK, then the slot as one char code. */
const MARK = '\u0001'
const SLOT_BASE = 0x30
/** Marks a lock counter: COUNTER, then its domain (kind and unit) and its value, one char code each. */
const COUNTER = '\u0002'

/** Counter domains (a kind of counter of one unit), numbered as met: numbers never enter a hash. */
const domains = {seq: new Map<string, number>(), generation: new Map<string, number>()}
let domainCount = 0
function domainOf(kind: CounterKind, unit: string): number {
  const byUnit = domains[kind]
  let d = byUnit.get(unit)
  if (d === undefined) {
    d = domainCount++
    byUnit.set(unit, d)
  }
  return d
}

/** A counter as one number: its domain and value (what Ranks sorts). */
function counterCode(kind: CounterKind, unit: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0 || value > 0xffff) throw new SimulatorError(`simulator: ${kind} ${value} of ${unit} is out of the key's range`)
  return domainOf(kind, unit) * 0x10000 + value
}

/**
 * The counters of one state, each replaced by its rank among the values of its domain present in
 * the state (0, "none yet", stays 0). The protocol only compares a unit's seqs with each other
 * (and its generations with each other) and issues each new one above every one present (the
 * manager's own counter is the largest), so two states whose counters differ by an
 * order-preserving renaming behave the same, step for step: they are one state. Ranks are what
 * is left of the counters after that renaming; they do not depend on node ids, so symmetry
 * reduction composes with them.
 */
export class Ranks {
  /** The distinct codes present, ascending, and the rank of each. */
  readonly #codes: number[] = []
  readonly #ranks: number[] = []

  /** Takes every counter of the state (repeats allowed). */
  constructor(parts: readonly (readonly number[])[]) {
    const codes = this.#codes
    // Insertion sort without repeats: a state has a few dozen counters, mostly in order already.
    for (const part of parts) {
      for (const code of part) {
        let k = codes.length
        while (k > 0 && (codes[k - 1] as number) > code) k--
        if (k > 0 && codes[k - 1] === code) continue
        codes.splice(k, 0, code)
      }
    }
    let domain = -1
    let next = 1
    for (const code of codes) {
      const d = Math.floor(code / 0x10000)
      if (d !== domain) {
        domain = d
        next = 1
      }
      this.#ranks.push(code % 0x10000 === 0 ? 0 : next++)
    }
  }

  of(code: number): number {
    // A state holds a few dozen counters at most: a binary search of a small array.
    const codes = this.#codes
    let lo = 0
    let hi = codes.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const c = codes[mid] as number
      if (c === code) return this.#ranks[mid] as number
      if (c < code) lo = mid + 1
      else hi = mid - 1
    }
    throw new SimulatorError(`simulator: a key counter (domain ${Math.floor(code / 0x10000)}, value ${code % 0x10000}) was not collected for its ranks`)
  }

  /** The ranks of these counters, as text (what a cached hash of a part also depends on). */
  signature(codes: readonly number[]): string {
    let s = ''
    for (const c of codes) s += String.fromCharCode(SLOT_BASE + this.of(c))
    return s
  }

  /** A part's cache id under `name` with these ranks (remembered on the part: a state hashes each part under several namings). */
  cacheId(part: RankedPart, name: Naming): string {
    if (part.counters.length === 0) return name.id
    if (part.ranks !== this) {
      part.ranks = this
      part.signature = this.signature(part.counters)
    }
    return `${name.id}|${part.signature}`
  }
}

/** A node's or the manager's cached key parts: its counters, and their ranks in the state last hashed. */
export interface RankedPart {
  readonly counters: readonly number[]
  ranks: Ranks | null
  signature: string
}

/** The counters marked in a template text, in order of appearance, without repeats. */
function countersIn(template: string): number[] {
  const codes: number[] = []
  for (let i = 0; i < template.length; i++) {
    const c = template.charCodeAt(i)
    if (c === 1) i++
    else if (c === 2) {
      const code = template.charCodeAt(i + 1) * 0x10000 + template.charCodeAt(i + 2)
      if (!codes.includes(code)) codes.push(code)
      i += 2
    }
  }
  return codes
}

/** A text with its counter marks replaced by their ranks (slot marks are not expected: it is written by a plain naming). */
function fillCounters(text: string, ranks: Ranks): string {
  return text.replace(/\u0002([\s\S])([\s\S])/g, (_m, d: string, v: string) => String(ranks.of(d.charCodeAt(0) * 0x10000 + v.charCodeAt(0))))
}

/** Writes process ids, stamps and (marked: to be ranked) lock counters with slots renamed. */
export class Naming {
  #slots: string[] | null = null

  /** The hash of a template text (see `template`) with its marked slots written by this naming and its counters by rank. */
  hashFilled(template: string, ranks: Ranks): Hash64 {
    this.#slots ??= Array.from({length: MAX_NODES}, (_, x) => this.slot(x))
    hashFilled(template, this.#slots, SLOT_BASE, (code) => ranks.of(code), lanes)
    return {a: lanes[0] as number, b: lanes[1] as number}
  }

  /** How a node core writes its state under this naming. */
  readonly keyText: KeyText = {stamp: (data) => this.stamp(stampOf(data)), counter: (kind, unit, value) => this.counter(kind, unit, value)}

  constructor(
    /** Names this renaming in the key caches: equal ids, equal renamings. */
    readonly id: string,
    /** Node slots of the model (process ids are slot + incarnation x nodes). */
    readonly nodes: number,
    readonly slot: SlotText,
    /** Counters as marks to be ranked (keys), or as they are (messages). */
    readonly marked = true,
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

  counter(kind: CounterKind, unit: string, value: number): string {
    if (!this.marked) return String(value)
    const code = counterCode(kind, unit, value)
    return COUNTER + String.fromCharCode(Math.floor(code / 0x10000)) + String.fromCharCode(code % 0x10000)
  }

  seq(unit: string, value: number): string {
    return this.counter('seq', unit, value)
  }

  generation(unit: string, value: number): string {
    return this.counter('generation', unit, value)
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

/** The identity naming: the key of the state as it is (counters marked, to be ranked). */
export function identity(nodes: number): Naming {
  return new Naming('id', nodes, String)
}

/** Node ids and counters as they are: for messages. */
export function plain(nodes: number): Naming {
  return new Naming('plain', nodes, String, false)
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

/** A node's key text with its slots marked, and its counters (cached on the node until it changes). */
function nodeKeys(n: SimNode, nodes: number): NodeKeys {
  let keys = n.keys
  if (keys === null) {
    const text = nodeKey(n, template(nodes))
    keys = {template: text, counters: countersIn(text), hashes: new Map(), ranks: null, signature: ''}
    n.keys = keys
  }
  return keys
}

/**
 * The hash of one node's text (cached on the node: a transition changes one or two nodes, so
 * the others' texts are neither written nor hashed again while the ranks of their counters stay).
 */
export function nodeHash(n: SimNode, name: Naming, ranks: Ranks): Hash64 {
  const keys = nodeKeys(n, name.nodes)
  const id = ranks.cacheId(keys, name)
  let h = keys.hashes.get(id)
  if (h === undefined) {
    h = name.hashFilled(keys.template, ranks)
    keys.hashes.set(id, h)
  }
  return h
}

/** The ranks of every counter of the state. */
export function ranksOf(s: KeyedState): Ranks {
  const parts: (readonly number[])[] = []
  for (const n of s.nodes) parts.push(nodeKeys(n, s.nodes.length).counters)
  parts.push(managerEntry(s.manager, s.nodes.length).counters)
  return new Ranks(parts)
}

/** Everything of one node, as text (nothing in it is sorted by node id: a template can be filled). */
export function nodeKey(n: SimNode, name: Naming): string {
  let s = `${n.inc}${n.zombie ? 'Z' : ''}${n.cut ? 'C' : ''}.${n.pc}.${n.si}.${n.awaiting ?? ''}.${name.bytes(n.buf)}.${n.wakes.join(',')}`
  if (n.plan !== null) s += `C${n.plan.stateKey()}.${resultKey(n.result)}${n.aborting ? 'A' : ''}`
  s += `\n${n.core.stateKey(name.keyText)}\n`
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
export function stateHash(s: KeyedState, name: Naming, order: readonly number[], ranks: Ranks = ranksOf(s)): Hash64 {
  let h = hashOf(`${s.now}.${s.killsLeft}.${s.pausesLeft}.${s.partitionsLeft}${lastWriteKey(s.lastWrite, name)}`)
  for (const i of order) h = mix(h, nodeHash(s.nodes[i] as SimNode, name, ranks))
  h = mix(h, managerHash(s.manager, name, ranks))
  return {a: h.a ^ (h.b >>> 7), b: Math.imul(h.b ^ (h.a >>> 11), 0xc2b2ae35)}
}

/** One part's hash mixed into a running one (order matters). */
function mix(x: Hash64, h: Hash64): Hash64 {
  let a = Math.imul(x.a ^ h.a, 0x9e3779b1)
  a = (a << 13) | (a >>> 19)
  let b = Math.imul(x.b ^ h.b, 0x85ebca77)
  b = (b << 17) | (b >>> 15)
  return {a, b: b ^ a}
}

/** The hash of the nodes' texts alone, in `order` (symmetry.ts picks among tied orders by it). */
export function nodesHash(s: KeyedState, name: Naming, order: readonly number[], ranks: Ranks): Hash64 {
  let h: Hash64 = {a: 0, b: 0}
  for (const i of order) h = mix(h, nodeHash(s.nodes[i] as SimNode, name, ranks))
  return h
}

/** The key of the whole state with the nodes in `order` (canonical position -> real slot), counters by rank. */
export function stateKey(s: KeyedState, name: Naming, order: readonly number[]): string {
  let k = `${s.now}.${s.killsLeft}.${s.pausesLeft}.${s.partitionsLeft}`
  for (const i of order) k += `#${nodeKey(s.nodes[i] as SimNode, name)}`
  k += managerKey(s.manager, name) + lastWriteKey(s.lastWrite, name)
  return name.marked ? fillCounters(k, ranksOf(s)) : k
}

interface ManagerKeys extends RankedPart {
  /** Its text by naming (slots are not templated here: holders are sorted by renamed id), and hashes by naming and ranks. */
  readonly texts: Map<string, string>
  readonly hashes: Map<string, Hash64>
}

const managerKeys = new WeakMap<ManagerModel, ManagerKeys>()

/** The manager is about to change: its cached key texts go. */
export function forgetManagerKeys(m: ManagerModel): void {
  managerKeys.delete(m)
}

/** The manager's cached parts; its counters (the same under every naming) read from its text under the template naming. */
function managerEntry(m: ManagerModel, nodes: number): ManagerKeys {
  let keys = managerKeys.get(m)
  if (keys === undefined) {
    const name = template(nodes)
    const text = managerKey(m, name)
    keys = {counters: countersIn(text), ranks: null, signature: '', texts: new Map([[name.id, text]]), hashes: new Map()}
    managerKeys.set(m, keys)
  }
  return keys
}

/**
 * The hash of the manager's part (cached on the manager object, as a node's). Written under
 * each naming, not filled into a template: it sorts holders, the dead and the wait-for graph
 * by their renamed ids.
 */
function managerHash(m: ManagerModel, name: Naming, ranks: Ranks): Hash64 {
  const keys = managerEntry(m, name.nodes)
  const id = ranks.cacheId(keys, name)
  let h = keys.hashes.get(id)
  if (h === undefined) {
    let text = keys.texts.get(name.id)
    if (text === undefined) {
      text = managerKey(m, name)
      keys.texts.set(name.id, text)
    }
    h = name.hashFilled(text, ranks)
    keys.hashes.set(id, h)
  }
  return h
}

export function managerKey(m: ManagerModel, name: Naming): string {
  let s = '\nM'
  for (const id of [...m.units.keys()].sort()) {
    const u = m.units.get(id)
    if (u === undefined) continue
    s += `\n${id}:${name.generation(id, u.generation)}.${name.seq(id, u.seq)}.${u.upgrading === null ? '' : name.pid(u.upgrading)}|`
    const holders: string[] = []
    for (const [node, h] of u.holders) holders.push(`${name.pid(node)}${h.mode}${name.seq(id, h.seq)}${h.callback};`)
    if (holders.length > 1) holders.sort()
    s += holders.join('') + '|'
    for (const w of u.queue) s += `${name.pid(w.node)}${w.mode}${w.page.file}/${w.page.page};`
  }
  // A page's disk version and the generation it was written under: no decision reads them.
  for (const k of [...m.disk.keys()].sort()) {
    const d = m.disk.get(k)
    if (d !== undefined) s += `\n${k}=${name.bytes(d.data)}`
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
  const pins = [...g.pinned.values()].map((p) => `d${name.pid(p.node)}${p.unit}${p.mode}${name.seq(p.unit, p.seq)};`).sort()
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
      return `U${node}${r.unit}${name.seq(r.unit, r.seq)}`
    case 'demote':
      return `D${node}${r.unit}${name.seq(r.unit, r.seq)}${r.to}${name.generation(r.unit, r.generation)}[${r.writeback.map((w) => `${pageKey(w.page)}=${name.bytes(w.data)}`).join(',')}]`
    case 'writeback':
      return `W${node}${r.unit}${name.seq(r.unit, r.seq)}${name.generation(r.unit, r.generation)}[${r.writeback.map((w) => `${pageKey(w.page)}=${name.bytes(w.data)}`).join(',')}]`
    case 'cancel':
      return `C${node}${r.unit}`
    case 'defer':
      return `F${node}${r.unit}${name.seq(r.unit, r.seq)}`
  }
}

function replyKey(r: ReplyInput, name: Naming): string {
  const x = r.reply
  const head = `${r.unit}:${r.request}:${x.type}`
  switch (x.type) {
    case 'granted':
      return `${head}${x.mode}${name.seq(r.unit, x.seq)}.${name.generation(r.unit, x.generation)}${x.page === null ? '' : `${pageKey(x.page.page)}=${name.bytes(x.page.data)}`}`
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
  if (m.type === 'callback') return `c${m.unit}${m.kind}${name.seq(m.unit, m.seq)}`
  // The id only numbers the cycle for reports.
  if (m.type === 'deadlock') return `x${m.unit}v${name.pid(m.victim)}`
  return `g${m.unit}${m.mode}${name.seq(m.unit, m.seq)}.${name.generation(m.unit, m.generation)}${m.upgrade ? 'u' : ''}${m.page === null ? '' : `${pageKey(m.page.page)}=${name.bytes(m.page.data)}`}`
}
