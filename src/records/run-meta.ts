// What a node needs to join a run, stored by the orchestrator in the run's meta hash so that a
// node started by hand on another host (`cmm node --redis URL --run RUN --id K`) needs nothing else.
// Stored, the workload is in the workload format (StoredRunMeta): whoever reads it parses it with
// the workload file's validator (node/run-meta.ts), since anyone with the Redis can write it.
import type {ProtocolSettings} from '../protocol/types.js'
import type {BreakVariant} from '../protocol/break.js'
import type {Workload} from '../workload/types.js'
import type {DeadlockPolicy} from './deadlocks.js'

export const META_FORMAT = 2
/** The longest `--warmup`: an hour. */
export const MAX_WARMUP_US = 3_600_000_000
/** Lease TTLs a meta may carry, ms: `--lease-ttl` is checked against the same range, so a TTL the nodes would refuse is refused before the run starts. */
export const LEASE_TTL_RANGE_MS = [50, 3_600_000] as const

export interface RunMeta {
  readonly format: number
  readonly runId: string
  readonly workload: Workload
  readonly settings: ProtocolSettings
  readonly seed: number
  readonly createdAt: string
  /** Node lease TTL (issue 4); absent: DEFAULT_LEASE_TTL_MS. */
  readonly leaseTtlMs?: number
  /** A deliberately broken protocol variant (`--break`); absent or null: the correct protocol. */
  readonly breakVariant?: BreakVariant | null
  /** What nodes do when the manager finds a deadlock (absent: `report`). */
  readonly onDeadlock?: DeadlockPolicy
  /** `--warmup`: ops started this long after the workload's start are the first timed (absent: 0; worker.ts timedFromUs). */
  readonly warmupUs?: number
  /** The private Redis's topology (`single`, `sentinel`), absent for an older run; redisPrivate false: --redis. */
  readonly redisTopology?: string
  readonly redisPrivate?: boolean
  /** How nodes treat a lost connection to Redis (absent: REDIS_FRAGILE, today's behaviour). */
  readonly redisRecovery?: RedisRecovery
}

/**
 * `reconnect`: Redis keeps the run's state across a restart or a failover (AOF, or a replica),
 * so a node that loses its connection waits for it to come back and goes on, unless a manager
 * request was in flight (its outcome is unknown: the incarnation gives up and is purged).
 * Otherwise a lost connection means the state is gone and the incarnation ends at once.
 * `waitReplicas` > 0 (`--redis-wait N`): no manager decision, lease renewal or inbox message is
 * acted on before N replicas acknowledged it (WAIT N waitTimeoutMs).
 */
export interface RedisRecovery {
  readonly reconnect: boolean
  readonly waitReplicas: number
  readonly waitTimeoutMs: number
}

export const REDIS_FRAGILE: RedisRecovery = {reconnect: false, waitReplicas: 0, waitTimeoutMs: 0}

/** The meta as stored: the workload as a script (workload/to-source.ts), settings derived from it. */
export type StoredRunMeta = Omit<RunMeta, 'workload' | 'settings'> & {readonly workload: unknown}

/** The run meta in Redis is missing or unusable (garbage, another version, values out of bounds). */
export class RunMetaError extends Error {}

export function settingsOf(w: Workload): ProtocolSettings {
  const c = w.cluster
  return {granularity: c.granularity, states: c.states, downgrade: c.downgrade, holdTimeUs: c.holdTimeUs, pageSize: c.pageSize}
}
