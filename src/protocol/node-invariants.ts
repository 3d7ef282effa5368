// Local invariants of one unit on one node (docs/PROTOCOL.md, "A node"). Checked by
// NodeCore.assertInvariants after every step in tests; cheap enough to run in simulations.
import {invariant} from './errors.js'
import {isGranted} from './lock-phase.js'
import {holdersOf, type UnitState} from './node-unit.js'
import {pageKey, unitOf, type Granularity, type NodeId} from './types.js'

export function checkUnit(node: NodeId, u: UnitState, granularity: Granularity, pageSize: number): void {
  const where = `node ${node} unit ${u.id}`
  invariant(Number.isInteger(u.seq) && u.seq >= 0 && Number.isInteger(u.generation) && u.generation >= 0, `${where}: bad seq/generation ${u.seq}/${u.generation}`)

  for (const [key, slot] of u.pages) {
    invariant(key === pageKey(slot.page) && unitOf(slot.page, granularity) === u.id, `${where}: page ${key} filed under the wrong unit`)
    invariant(slot.pte !== 'none' || slot.data !== null, `${where}: empty slot for ${key}`)
    invariant(slot.pte === 'none' || slot.data !== null, `${where}: page ${key} mapped ${slot.pte} but not cached`)
    invariant(slot.data === null || slot.data.length === pageSize, `${where}: page ${key} cached with ${slot.data?.length} bytes`)
    invariant(slot.pte !== 'RW' || u.mode === 'EX', `${where}: page ${key} mapped RW without EX (held ${u.mode})`)
    invariant(slot.pte === 'none' || u.mode !== 'UN', `${where}: page ${key} mapped ${slot.pte} without a lock`)
    invariant(slot.data === null || u.mode !== 'UN', `${where}: page ${key} cached without a lock`)
    invariant(!slot.dirty || (u.mode === 'EX' && slot.data !== null), `${where}: page ${key} dirty without EX (held ${u.mode})`)
  }

  invariant(u.pins.length === 0 || u.mode !== 'UN', `${where}: ${u.pins.length} pins without a lock`)
  invariant(!u.pins.includes('EX') || u.mode === 'EX', `${where}: EX pin while holding ${u.mode}`)
  invariant(holdersOf(u) >= u.pins.length, `${where}: negative holders`)

  const f = u.inflight
  if (f !== null) {
    switch (f.request) {
      case 'acquire':
        invariant(isGranted(f.phase) ? u.mode === f.mode : u.mode === 'UN', `${where}: acquire ${f.mode} in flight while holding ${u.mode}`)
        break
      case 'upgrade':
        invariant(u.mode === (isGranted(f.phase) ? 'EX' : 'SH'), `${where}: upgrade in flight while holding ${u.mode}`)
        break
      case 'demote':
        invariant(u.mode === f.to, `${where}: demote to ${f.to} in flight while holding ${u.mode}`)
        invariant(f.to === 'SH' || u.pages.size === 0, `${where}: cache kept while releasing`)
        break
      case 'writeback':
        invariant(u.mode === 'EX', `${where}: writeback in flight while holding ${u.mode}`)
        break
    }
  }

  const cb = u.callback
  if (cb !== null) {
    if (cb.seq > u.seq) {
      invariant(u.mode === 'UN' && f?.request === 'acquire' && !isGranted(f.phase), `${where}: callback for seq ${cb.seq} > held ${u.seq} while not acquiring`)
    } else {
      invariant(cb.seq === u.seq && u.mode !== 'UN', `${where}: stale callback seq ${cb.seq} kept (held ${u.mode} seq ${u.seq})`)
    }
  }

  invariant(!u.dropAfterRefusal || (u.mode === 'SH' && f === null && u.pins.length > 0), `${where}: pending drop after refusal in a bad state`)

  for (const [key, read] of u.reading) {
    invariant(key === pageKey(read.page) && read.epoch <= u.epoch, `${where}: bad disk read record ${key}`)
    for (const op of read.ops) invariant(op.access === 'read' && pageKey(op.page) === key, `${where}: op ${op.id} waits for the wrong disk read`)
  }
  for (const op of u.waiting) {
    if (op.kind !== 'sync') invariant(unitOf(op.page, granularity) === u.id, `${where}: op ${op.id} parked on the wrong unit`)
  }
}
