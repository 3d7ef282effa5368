// A counterexample trace as the data of a message sequence chart (`cmm check model ... --html`).
// It reads the search's output as a user would, through replay(): the trace is replayed once to
// say what each step did, and each prefix once more for the state after it (traces are shrunk,
// tens of steps, so the quadratic replay costs milliseconds and needs nothing from the search).
import {unitState} from '../protocol/manager.js'
import {pageKey, unitOf, type UnitId} from '../protocol/types.js'
import {MANAGER_COLUMN, type ChartNodeState, type ChartStep, type ModelChart} from '../records/model-chart.js'
import {allowingTrace, modelOf, traceOf, type ModelOptions} from './check.js'
import {replay} from './explore.js'
import {describeModel} from './program.js'
import {protocolFor, type Protocol} from './protocol.js'
import type {SimState} from './state.js'
import {formatTrace, kindOf, nodeOf, type Action, type ModelConfig} from './types.js'

/** Longest trace drawn: past it the prefix replays would take long, and nobody reads the chart. */
export const CHART_MAX_STEPS = 2000

/** The chart of `traceText` on the model `o` describes; `command`: the command line that made it. */
export function modelChart(o: ModelOptions, traceText: string, command: string, protocol?: Protocol): ModelChart {
  const trace = traceOf(traceText).slice(0, CHART_MAX_STEPS)
  const model = allowingTrace(modelOf(o), trace)
  const p = protocol ?? protocolFor(model.variant)
  const full = replay(model, trace, true, p)
  const units = unitsOf(model)
  const steps = full.steps.map((s, i): ChartStep => {
    const after = replay(model, trace.slice(0, i + 1), false, p).state
    const last = i === full.steps.length - 1
    return {
      index: i + 1, action: formatTrace([s.action]), text: s.ran ? s.said : `(${formatTrace([s.action])} not enabled: skipped)`, ran: s.ran,
      ...placeOf(s.action), violation: last && full.violation !== null,
      nodes: after.nodes.map((_, k) => nodeState(after, k, units)), manager: managerState(after, units),
    }
  })
  return {file: o.file, model: describeModel(model).split('\n').map((l) => l.trim()), nodes: model.programs.length, steps, violation: full.violation, trace: formatTrace(trace), command}
}

/** Where a step is drawn: a message delivered (an arrow between columns) or a step inside a node. */
function placeOf(a: Action): Pick<ChartStep, 'arrow' | 'column'> {
  const node = nodeOf(a) + 1
  switch (kindOf(a)) {
    case 'req':
      return {arrow: {from: node, to: MANAGER_COLUMN}, column: MANAGER_COLUMN}
    case 'rep':
    case 'msg':
    case 'disk':
      return {arrow: {from: MANAGER_COLUMN, to: node}, column: node}
    default:
      return {arrow: null, column: node}
  }
}

function unitsOf(model: ModelConfig): UnitId[] {
  return [...new Set(model.pages.map((p) => unitOf(p, model.settings.granularity)))].sort()
}

function nodeState(s: SimState, k: number, units: readonly UnitId[]): ChartNodeState {
  const n = s.nodes[k]!
  const locks = units.flatMap((u) => {
    const mode = n.core.heldMode(u)
    return mode === 'UN' ? [] : [`${u} ${mode}`]
  })
  const ptes = s.model.pages.flatMap((p) => {
    const pte = n.core.mapping(p)
    return pte === 'none' ? [] : [`${pageKey(p)} ${pte}`]
  })
  const status = n.zombie ? 'paused past its lease' : n.cut ? 'partitioned' : n.inc > 0 ? `incarnation ${n.inc}` : undefined
  return {locks, ptes, ...(status === undefined ? {} : {status})}
}

/** The manager's holders and queue per unit that has any (holders by process id). */
function managerState(s: SimState, units: readonly UnitId[]): string[] {
  return units.flatMap((u) => {
    const st = unitState(s.manager, u)
    if (st.holders.length === 0 && st.queue.length === 0 && st.upgrading === null) return []
    const holders = st.holders.map((h) => `${h.node} ${h.mode}`).join(', ') || 'none'
    const queue = st.queue.length === 0 ? '' : `; queue ${st.queue.map((w) => `${w.node} ${w.mode}`).join(', ')}`
    const upgrading = st.upgrading === null ? '' : `; ${st.upgrading} upgrading`
    return [`${u}: ${holders}${queue}${upgrading} (gen ${st.generation})`]
  })
}
