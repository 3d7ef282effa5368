// What a node tells the orchestrator about itself in each `progress` report, for the live view:
// a small, bounded summary of its lock state taken from NodeCore.snapshot(), so the orchestrator
// never has to scan Redis while the workload runs.
import type {UnitSnapshot} from '../protocol/node-core.js'
import type {LockMode} from '../protocol/types.js'

/** At most this many busy units per node travel in one report (the busiest first). */
export const BUSY_UNITS_MAX = 8

/**
 * A node's state as the live view shows it. `killed` and `restarting` are set by the orchestrator
 * (a node cannot report them itself); the chaos commands will produce them.
 */
export type NodeState = 'starting' | 'alive' | 'paused' | 'done' | 'killed' | 'restarting'

/** One lock unit this node is doing something with right now. */
export interface BusyUnit {
  readonly unit: string
  readonly mode: LockMode
  /** Pins plus operations in progress on the unit. */
  readonly holders: number
  /** Local operations parked until the unit can serve them. */
  readonly waiters: number
  /** A callback from the manager this node is serving (or deferring until holders finish). */
  readonly callback: 'release' | 'downgrade' | null
  /** The request to the manager in flight, e.g. `acquire EX queued`. */
  readonly inflight: string | null
}

export interface NodeLiveSummary {
  readonly paused: boolean
  /** Units held SH or EX (the node's cached locks). */
  readonly locksHeld: number
  /** Busy units (see BUSY_UNITS_MAX), busiest first. */
  readonly busy: readonly BusyUnit[]
  /** How many busy units there were in all (busy.length may be smaller). */
  readonly busyTotal: number
}

export function liveSummary(units: readonly UnitSnapshot[], paused: boolean): NodeLiveSummary {
  let locksHeld = 0
  const busy: BusyUnit[] = []
  for (const u of units) {
    if (u.mode !== 'UN') locksHeld++
    const waiters = u.waiting.length
    if (u.holders === 0 && waiters === 0 && u.callback === null && u.inflight === null) continue
    busy.push({
      unit: u.unit,
      mode: u.mode,
      holders: u.holders,
      waiters,
      callback: u.callback?.kind ?? null,
      inflight: u.inflight === null ? null : `${u.inflight.request} ${u.inflight.detail}`,
    })
  }
  busy.sort((a, b) => busyness(b) - busyness(a) || (a.unit < b.unit ? -1 : 1))
  return {paused, locksHeld, busy: busy.slice(0, BUSY_UNITS_MAX), busyTotal: busy.length}
}

function busyness(u: BusyUnit): number {
  return u.waiters * 4 + (u.callback !== null ? 2 : 0) + (u.inflight !== null ? 1 : 0) + u.holders
}
