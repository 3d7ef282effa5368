// The state of a run after its last op: what the shared disk holds once every node wrote back
// its dirty pages (for the "nothing written back is lost" check), and, for a stuck run, what each
// node and the manager were waiting for (for the liveness report). Stored as final.json.
import type {UnitSnapshot} from '../protocol/node-unit.js'
import type {UnitState} from '../protocol/manager.js'

export interface FinalState {
  /** Every node wrote back its dirty pages at the end of a completed run, and `disk` was read after. */
  readonly flushed: boolean
  /** Page key -> the stamp on the shared disk after the flush (null: never written); null when not flushed. */
  readonly disk: Readonly<Record<string, string | null>> | null
  /** Stuck runs: per node, its units with anything going on when the run was stopped. */
  readonly waits: readonly {readonly node: number; readonly units: readonly UnitSnapshot[]}[]
  /** Stuck runs: the manager's state of every unit a node was busy with. */
  readonly manager: Readonly<Record<string, UnitState>>
}

export const NO_FINAL_STATE: FinalState = {flushed: false, disk: null, waits: [], manager: {}}
