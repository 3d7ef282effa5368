// A workload as written, before `nodes:` selectors are expanded against the cluster size.
// Kept (privately, per parsed Workload) so that a `--nodes` override can expand `all` to the
// new size and point at the selector that no longer fits.
import {errorAt, type Position} from './errors.js'
import type {ChaosStep, ClusterSettings, FileSpec, Step, Workload} from './types.js'
import {highestNode, type Selector, selects} from './values.js'
import type {ChaosNodeRef} from './parse-chaos.js'

export interface NodeEntry {
  readonly selector: Selector
  /** The key as written (`0-3`), for messages. */
  readonly text: string
  readonly at: Position
  readonly steps: readonly Step[]
}

export interface Script {
  readonly source: string
  readonly version: number
  readonly name: string
  readonly description: string
  readonly cluster: ClusterSettings
  /** Whether cluster.nodes was written in the file (vs. the default), for messages. */
  readonly nodesWritten: boolean
  readonly files: Readonly<Record<string, FileSpec>>
  readonly entries: readonly NodeEntry[]
  readonly chaos?: readonly ChaosStep[]
  /** The node ids the chaos steps name, with their places (checked against the cluster size). */
  readonly chaosTargets?: readonly ChaosNodeRef[]
}

const scripts = new WeakMap<Workload, Script>()

/** The script a workload was parsed from; undefined for workloads built by hand. */
export function scriptOf(workload: Workload): Script | undefined {
  return scripts.get(workload)
}

/**
 * Expands selectors for `cluster.nodes` nodes. `nodesOrigin` explains where that count came
 * from, e.g. `cluster.nodes is 2` or `--nodes 1`, because that is what the user must change.
 */
export function resolveScript(script: Script, cluster: ClusterSettings, nodesOrigin: string): Workload {
  for (const e of script.entries) {
    if (highestNode(e.selector) >= cluster.nodes) {
      throw errorAt(script.source, e.at, `expected node ids 0..${cluster.nodes - 1} (${nodesOrigin}), found ${e.text}`)
    }
  }
  for (const t of script.chaosTargets ?? []) {
    if (t.node >= cluster.nodes) throw errorAt(script.source, t.at, `expected a node id 0..${cluster.nodes - 1} (${nodesOrigin}), found ${t.node}`)
  }
  const nodes: Step[][] = []
  for (let id = 0; id < cluster.nodes; id++) {
    nodes.push(script.entries.filter((e) => selects(e.selector, id)).flatMap((e) => e.steps))
  }
  const workload: Workload = {
    version: script.version,
    name: script.name,
    description: script.description,
    cluster,
    files: script.files,
    nodes,
    source: script.source,
    ...(script.chaos ? {chaos: script.chaos} : {}),
  }
  scripts.set(workload, script)
  return workload
}
