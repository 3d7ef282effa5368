// What a node needs to join a run, stored by the orchestrator in the run's meta hash so that a
// node started by hand on another host (`cmm node --redis URL --run RUN --id K`) needs nothing else.
import type {ProtocolSettings} from '../protocol/types.js'
import type {BreakVariant} from '../protocol/break.js'
import type {Workload} from '../workload/types.js'
import type {DeadlockPolicy} from './deadlocks.js'

export const META_FORMAT = 1

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
}
