// The Redis key schema of a run. Every key of a run carries the hash tag {RUN} so that all keys
// one Lua script touches live in one Redis Cluster slot. Documented in README "Redis key schema".
import type {NodeId, UnitId} from '../protocol/types.js'

export function runPrefix(runId: string): string {
  return `cmm:{${runId}}:`
}

export const keys = {
  /** hash: the run's resolved settings and status, written by the orchestrator. */
  meta: (runId: string) => `${runPrefix(runId)}meta`,
  /** hash: the manager's state of one lock unit (holders, generation, seq, upgrader). */
  lock: (runId: string, unit: UnitId) => `${runPrefix(runId)}lock:${unit}`,
  /** list: FIFO waiters of one lock unit. */
  queue: (runId: string, unit: UnitId) => `${runPrefix(runId)}queue:${unit}`,
  /** hash: one page of the shared disk (data, version, generation of the last write). */
  page: (runId: string, pageKey: string) => `${runPrefix(runId)}page:${pageKey}`,
  /** hash: variant -> times the manager took a broken variant's deviation (`--break` runs only). */
  breakFired: (runId: string) => `${runPrefix(runId)}break-fired`,
  /** hash: the wait-for graph of the whole run (waiters, pin-deferred holders; docs/DEADLOCKS.md). */
  waitGraph: (runId: string) => `${runPrefix(runId)}wfg`,
  /** stream: manager -> node messages (grants, callbacks). */
  inbox: (runId: string, node: NodeId) => `${runPrefix(runId)}in:${node}`,
  /** stream: orchestrator -> node control messages (start, stop). */
  control: (runId: string, node: NodeId) => `${runPrefix(runId)}ctl:${node}`,
  /** stream: nodes -> orchestrator (ready, progress, history batches, results). */
  outbox: (runId: string) => `${runPrefix(runId)}out`,
  /** string with a TTL (PX): a node incarnation's lease; it renews it, expiry means death. */
  lease: (runId: string, proc: NodeId) => `${runPrefix(runId)}lease:${proc}`,
  /** hash: live incarnations, process id -> node index (the reaper watches their leases). */
  members: (runId: string) => `${runPrefix(runId)}members`,
  /** set: process ids declared dead (fenced by every manager script). */
  dead: (runId: string) => `${runPrefix(runId)}dead`,
  /** set: units a process acquired or queued on (what to purge when it dies). */
  touched: (runId: string, proc: NodeId) => `${runPrefix(runId)}touched:${proc}`,
  /** string: the run's epoch; vanishes when Redis loses its state (a restart). */
  epoch: (runId: string) => `${runPrefix(runId)}epoch`,
  /** counter: a write a node makes after reading its inbox, so WAIT covers what it read (`--redis-wait`). */
  replicationMark: (runId: string) => `${runPrefix(runId)}repl-mark`,
  /** string with a TTL (PX): the orchestrator's heartbeat; gone = the run has no orchestrator. */
  alive: (runId: string) => `${runPrefix(runId)}alive`,
  /** stream: fault requests to the orchestrator (`cmm chaos kill-node`). */
  chaos: (runId: string) => `${runPrefix(runId)}chaos`,
} as const

/** Live runs on this Redis (run id -> JSON {pid, startedAt}); `cmm chaos` finds runs here. */
export const LIVE_RUNS_KEY = 'cmm:live-runs'
