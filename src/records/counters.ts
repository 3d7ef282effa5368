// Per-node counters, summed across nodes into run.json.
import type {FaultClass, ManagerRequest} from '../protocol/types.js'

export interface NodeCounters {
  ops: number
  /**
   * Page accesses started: a copy's reads and writes, a `retry` copy's fault-ins too (which
   * history.jsonl leaves out: it has the copy's reads and writes only), and accesses abandoned to
   * break a deadlock (`fail` in the history), which end in no fault class, as do one failed by a
   * lost lease, one in flight at a killed incarnation's last progress report and those a stuck
   * run's end cut short: the fault classes sum to this less those.
   */
  accesses: number
  faults: Record<FaultClass, number>
  /** Every command sent to Redis on behalf of the protocol (script calls and disk reads). */
  redisRoundTrips: number
  /**
   * Every command the node's connections sent (the protocol's round trips, its inbox reads, lease
   * renewals, record flushes and reports), after it joined the run: what the protocol costs Redis
   * and the node in requests, against what the protocol itself needs (redisRoundTrips).
   */
  redisCommands: number
  requests: Record<ManagerRequest['type'], number>
  diskReads: number
  callbacks: {release: number; downgrade: number}
  pagesWrittenBack: number
  upgradesRefused: number
  staleReplies: number
  grantsByMessage: number
  /** Times a `retry` copy let go of its locks and started over. */
  copyRetries: number
  /** `retry` copies that hit the retry bound and took the ordered path. */
  copyFallbacks: number
  /** Ops that ended with an error result: their wait was abandoned to break a deadlock. */
  opsFailed: number
  /** Ops and page accesses started during the warm-up (`--warmup`): played, in the history and checked, but in no latency histogram. */
  untimedOps: number
  untimedAccesses: number
  /** Times the run's broken variant (`--break`) took its deviation on this node (node-side variants). */
  breakFired: number
}

export function emptyCounters(): NodeCounters {
  return {
    ops: 0,
    accesses: 0,
    faults: {hit: 0, 'cached-lock': 0, acquired: 0, upgrade: 0, 'after-callback': 0},
    redisRoundTrips: 0,
    redisCommands: 0,
    requests: {acquire: 0, upgrade: 0, demote: 0, writeback: 0, cancel: 0, defer: 0},
    diskReads: 0,
    callbacks: {release: 0, downgrade: 0},
    pagesWrittenBack: 0,
    upgradesRefused: 0,
    staleReplies: 0,
    grantsByMessage: 0,
    copyRetries: 0,
    copyFallbacks: 0,
    opsFailed: 0,
    untimedOps: 0,
    untimedAccesses: 0,
    breakFired: 0,
  }
}

/** Adds b into a (same shape, all numbers). */
export function addCounters(a: NodeCounters, b: NodeCounters): NodeCounters {
  const sum = (x: Record<string, unknown>, y: Record<string, unknown>): void => {
    for (const k of Object.keys(y)) {
      const yv = y[k]
      if (typeof yv === 'number') x[k] = ((x[k] as number | undefined) ?? 0) + yv
      else if (yv && typeof yv === 'object') sum((x[k] ??= {}) as Record<string, unknown>, yv as Record<string, unknown>)
    }
  }
  sum(a as unknown as Record<string, unknown>, b as unknown as Record<string, unknown>)
  return a
}
