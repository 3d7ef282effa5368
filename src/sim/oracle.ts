// The model checker's oracle: what must hold after every step, and at a state where nothing can
// happen. The same promises the run's checkers judge from a real run's records (src/check/):
// single writer / multiple readers on locks and mappings, no mapping without the lock it needs
// (the run's `coherence` check), mapped pages and reads current, no stale write-back accepted,
// and at the end nothing lost and nothing stuck.
import type {ManagerModel} from '../protocol/manager.js'
import {diskBytes, unitState} from '../protocol/manager.js'
import {stampOf} from '../protocol/node-core-state.js'
import {pageKey, unitOf, type NodeEffect, type PteState, type UnitId} from '../protocol/types.js'
import type {SimNode} from './sim-node.js'
import type {ModelConfig, Violation} from './types.js'
import {violated} from './violation.js'

/** What the oracle reads of a simulator state. */
export interface OracleView {
  readonly model: ModelConfig
  readonly nodes: readonly SimNode[]
  readonly manager: ManagerModel
  readonly lastWrite: ReadonlyMap<string, string | null>
  /** The node slot of a process id, or -1 when that incarnation is dead. */
  slotOf(pid: number): number
  pid(i: number): number
  /** The application thread can take a step. */
  hasWork(i: number): boolean
  finished(): boolean
}

/** The lock mode a mapping needs: RO under SH or EX, RW under EX only. */
function lockCovers(mode: string, pte: PteState): boolean {
  return pte === 'RW' ? mode === 'EX' : mode === 'SH' || mode === 'EX'
}

/** A `pte` effect: a mapping is only ever made under a hold the manager agrees the node has. */
export function checkPteEffect(s: OracleView, i: number, e: Extract<NodeEffect, {type: 'pte'}>): void {
  if (e.to === 'none') return
  // Read in place: this runs on every PTE effect of the search (unitState copies and sorts the holders).
  const u = s.manager.units.get(e.unit)
  const h = u?.holders.get(s.pid(i))
  if (u === undefined || h === undefined || h.seq !== e.seq) violated('single-writer', `node ${i} maps ${pageKey(e.page)} ${e.to} under seq ${e.seq}, but the manager says it holds ${h ? `seq ${h.seq}` : 'nothing'}`)
  if (e.to === 'RW' && (h.mode !== 'EX' || e.generation !== u.generation)) violated('single-writer', `node ${i} maps ${pageKey(e.page)} RW under generation ${e.generation}, the manager has ${h.mode} at generation ${u.generation}`)
}

/** After every step: single writer / multiple readers, every mapping covered by its lock, mapped pages current. */
export function checkCluster(s: OracleView): void {
  const g = s.model.settings.granularity
  const checkedUnits = new Set<UnitId>()
  for (const page of s.model.pages) {
    const unit = unitOf(page, g)
    if (!checkedUnits.has(unit)) {
      checkedUnits.add(unit)
      checkHolds(s, unit)
    }
    const key = pageKey(page)
    const want = s.lastWrite.get(key) ?? null
    let rw = -1
    let mapped = 0
    for (let i = 0; i < s.nodes.length; i++) {
      const n = s.nodes[i] as SimNode
      if (n.zombie) continue
      // What the MMU maps: a mapping a broken release left behind counts (the run sees it too).
      const pte = n.core.mapping(page)
      if (pte === 'none') continue
      const mode = n.core.heldMode(unit)
      if (!lockCovers(mode, pte)) violated('mapping-without-lock', `node ${i} maps ${key} ${pte} but holds ${unit} ${mode}: ${pte === 'RW' ? 'RW needs EX' : 'RO needs SH or EX'} (a mapping outlived its lock)`)
      mapped++
      if (pte === 'RW') rw = i
      // A page mapped RW may hold a write in progress only inside one step: after it, it is the latest.
      const got = stampOf(n.core.cached(page)?.data ?? new Uint8Array(0))
      if (got !== want) violated('stale-content', `node ${i} maps ${key} ${pte} with ${got ?? 'zeros'}, but the latest write is ${want ?? 'none (zeros)'}`)
    }
    if (rw >= 0 && mapped > 1) violated('single-writer', `page ${key}: node ${rw} maps it RW while ${mapped - 1} other node(s) map it`)
  }
}

function checkHolds(s: OracleView, unit: UnitId): void {
  let holders = 0
  let ex = -1
  for (let i = 0; i < s.nodes.length; i++) {
    const n = s.nodes[i] as SimNode
    if (n.zombie) continue
    const mode = n.core.heldMode(unit)
    if (mode === 'UN') continue
    holders++
    if (mode === 'EX') ex = i
  }
  if (ex >= 0 && holders > 1) violated('single-writer', `unit ${unit}: node ${ex} holds EX while ${holders - 1} other node(s) hold it`)
}

/** The disk accepted a write-back: it must come from the live EX holder of the unit's current generation. */
export function checkWriteback(s: OracleView, i: number, req: {readonly node: number; readonly seq: number; readonly generation: number; readonly writeback: readonly {readonly page: {readonly file: string; readonly page: number}}[]}, before: ReturnType<typeof unitState>): void {
  const h = before.holders.find((x) => x.node === req.node)
  if (s.manager.dead.has(req.node) || h === undefined || h.mode !== 'EX' || h.seq !== req.seq || req.generation !== before.generation) {
    violated('stale-writeback', `the disk accepted node ${req.node}'s write-back of ${req.writeback.map((w) => pageKey(w.page)).join(',')} under generation ${req.generation} seq ${req.seq}, but the unit was at generation ${before.generation} with node ${i} holding ${h ? `${h.mode} seq ${h.seq}` : 'nothing'}`)
  }
}

/** At a state with no enabled action: a deadlock, or the end, which must be clean. */
export function checkStuck(s: OracleView): Violation | null {
  if (!s.finished()) return {kind: 'deadlock', message: describeDeadlock(s)}
  for (const [unit] of s.manager.units) {
    const u = unitState(s.manager, unit)
    if (u.queue.length > 0 || u.upgrading !== null) return {kind: 'not-quiescent', message: `at the end, unit ${unit} still has waiters on the manager`}
    for (const h of u.holders) {
      const mode = s.nodes[s.slotOf(h.node)]?.core.heldMode(unit)
      if (mode !== h.mode) return {kind: 'not-quiescent', message: `at the end, the manager says node ${h.node} holds ${unit} ${h.mode}, the node says ${mode}`}
    }
  }
  for (const page of s.model.pages) {
    const want = s.lastWrite.get(pageKey(page)) ?? null
    const cached = s.nodes.map((n) => n.core.cached(page)).filter((c) => c !== null)
    for (const c of cached) if (stampOf(c.data) !== want) return {kind: 'stale-content', message: `at the end, ${pageKey(page)} is cached with ${stampOf(c.data)}, the latest write is ${want}`}
    const onDisk = diskBytes(s.manager, page)
    const disk = onDisk === null ? null : stampOf(onDisk)
    if (!cached.some((c) => c.dirty) && disk !== want) return {kind: 'lost-write', message: `at the end, ${pageKey(page)} on disk is ${disk ?? 'zeros'} and no node caches it dirty, but the latest write is ${want}`}
  }
  return null
}

/** Who waits for whom: each stuck node, the unit it waits on, who holds that unit, and a cycle if there is one. */
function describeDeadlock(s: OracleView): string {
  const waitsOn = new Map<number, {unit: UnitId; holders: number[]}>()
  const lines: string[] = []
  s.nodes.forEach((n, i) => {
    if (n.awaiting === null && !s.hasWork(i)) return
    const snap = n.core.snapshot()
    const held = snap.filter((u) => u.mode !== 'UN').map((u) => `${u.unit} ${u.mode}${u.pins.length > 0 ? ' (pinned)' : ''}`)
    const blocked = snap.find((u) => u.waiting.length > 0)
    if (blocked === undefined) {
      lines.push(`node ${i} holds ${held.join(', ') || 'nothing'} and waits on nothing in its core`)
      return
    }
    const m = unitState(s.manager, blocked.unit)
    const holders = m.holders.map((h) => h.node % s.nodes.length).filter((x) => x !== i)
    waitsOn.set(i, {unit: blocked.unit, holders})
    const req = blocked.inflight === null ? 'no request in flight' : `${blocked.inflight.request} ${blocked.inflight.detail}`
    lines.push(`node ${i} holds ${held.join(', ') || 'nothing'} and waits for ${blocked.unit} (${req}), held by ${m.holders.map((h) => `node ${h.node} ${h.mode}${h.callback !== 'none' ? ` (asked to ${h.callback})` : ''}`).join(', ') || 'nobody'}`)
  })
  const cycle = findCycle(waitsOn)
  const head = cycle === null ? 'no wait-for cycle among nodes' : `wait-for cycle: ${cycle.map((x) => `node ${x} -> ${waitsOn.get(x)?.unit}`).join(' -> ')} -> node ${cycle[0]}`
  return `ops pending and nothing can happen; ${head}\n  ${lines.join('\n  ')}`
}

function findCycle(waitsOn: Map<number, {unit: UnitId; holders: number[]}>): number[] | null {
  for (const start of waitsOn.keys()) {
    const path: number[] = [start]
    const seen = new Set([start])
    let at = start
    for (;;) {
      const next = waitsOn.get(at)?.holders.find((h) => waitsOn.has(h))
      if (next === undefined) break
      if (next === start) return path
      if (seen.has(next)) break
      seen.add(next)
      path.push(next)
      at = next
    }
  }
  return null
}
