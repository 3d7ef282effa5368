// Command-line overrides of a workload's cluster settings. The result is re-validated against
// the script as written: `--nodes 1` on a script with steps for node "1" is refused with the
// selector's position, and `all` expands to the new node count.
import type {DowngradeStyle, Granularity, StatesMode} from '../protocol/types.js'
import type {CopyStrategy} from '../protocol/copy-plan.js'
import {WorkloadError} from './errors.js'
import {LIMITS} from './keys.js'
import {isValidPageSize, PAGE_SIZE_HINT} from './parse.js'
import {type NodeEntry, resolveScript, type Script, scriptOf} from './script.js'
import type {ChaosStep, ClusterSettings, Step, Workload} from './types.js'

export interface WorkloadOverrides {
  readonly nodes?: number
  readonly granularity?: Granularity
  readonly states?: StatesMode
  readonly downgrade?: DowngradeStyle
  readonly holdTimeUs?: number
  readonly pageSize?: number
  readonly copyStrategy?: CopyStrategy
}

/** The flag each override comes from, as messages name it. */
export const OVERRIDE_FLAGS: Readonly<Record<keyof WorkloadOverrides, string>> = {
  nodes: '--nodes',
  granularity: '--granularity',
  states: '--states',
  downgrade: '--downgrade',
  holdTimeUs: '--hold-time',
  pageSize: '--page-size',
  copyStrategy: '--copy-strategy',
}

export function applyOverrides(workload: Workload, overrides: WorkloadOverrides): Workload {
  const cluster: ClusterSettings = {
    nodes: overrides.nodes ?? workload.cluster.nodes,
    granularity: overrides.granularity ?? workload.cluster.granularity,
    states: overrides.states ?? workload.cluster.states,
    downgrade: overrides.downgrade ?? workload.cluster.downgrade,
    holdTimeUs: overrides.holdTimeUs ?? workload.cluster.holdTimeUs,
    pageSize: overrides.pageSize ?? workload.cluster.pageSize,
    copyStrategy: overrides.copyStrategy ?? workload.cluster.copyStrategy,
  }
  // Flag values the CLI could not check by type alone.
  if (!Number.isInteger(cluster.nodes) || cluster.nodes < 1 || cluster.nodes > LIMITS.maxNodes) {
    throw flagError('nodes', `a whole number 1..${LIMITS.maxNodes}`, cluster.nodes)
  }
  if (!isValidPageSize(cluster.pageSize)) throw flagError('pageSize', PAGE_SIZE_HINT, cluster.pageSize)
  if (!Number.isFinite(cluster.holdTimeUs) || cluster.holdTimeUs < 0) {
    throw flagError('holdTimeUs', 'a duration of at least 0us', cluster.holdTimeUs)
  }

  const script = scriptOf(workload) ?? scriptFromResolved(workload)
  const origin =
    overrides.nodes === undefined
      ? `cluster.nodes is ${cluster.nodes}`
      : `${OVERRIDE_FLAGS.nodes} ${cluster.nodes} overrides cluster.nodes ${workload.cluster.nodes}`
  return resolveScript(script, cluster, origin)
}

function flagError(key: keyof WorkloadOverrides, expected: string, found: number): WorkloadError {
  return new WorkloadError(OVERRIDE_FLAGS[key], 0, 0, `expected ${expected}, found ${found}`)
}

/**
 * A workload not made by parseWorkload (built in code, or sent as JSON) has lost its
 * selectors: treat each node's steps as written for that node alone.
 */
function scriptFromResolved(w: Workload): Script {
  const entries: NodeEntry[] = []
  w.nodes.forEach((steps: readonly Step[], id) => {
    if (steps.length > 0) {
      entries.push({selector: {kind: 'ranges', ranges: [{lo: id, hi: id}]}, text: String(id), at: {line: 0, column: 0}, steps})
    }
  })
  return {
    source: w.source,
    version: w.version,
    name: w.name,
    description: w.description,
    cluster: w.cluster,
    nodesWritten: true,
    files: w.files,
    entries,
    chaosNodes: (w.chaos ?? []).flatMap(chaosNodeIds).map((id) => ({id, at: {line: 0, column: 0}})),
    ...(w.chaos ? {chaos: w.chaos} : {}),
  }
}

/** The node ids a chaos step names (random, all and holder-of name none). */
function chaosNodeIds(step: ChaosStep): number[] {
  const target = 'kill' in step ? step.kill : 'pause' in step ? step.pause : 'partition' in step ? step.partition : 'delay' in step ? step.delay : 'skew' in step ? step.skew : null
  return typeof target === 'number' ? [target] : []
}
