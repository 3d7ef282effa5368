// Workload YAML -> a bounded model: the first few ops of each node's program, small pages.
import {pageKey, type DowngradeStyle, type Granularity, type PageRef, type StatesMode} from '../protocol/types.js'
import {applyOverrides} from '../workload/overrides.js'
import {createOpStream} from '../workload/stream.js'
import type {Workload} from '../workload/types.js'
import {MAX_NODES, type CopyStrategy, type DeadlockPolicy, type ModelConfig, type ModelOp} from './types.js'
import type {BreakVariant} from '../protocol/break.js'
import {describeOp} from '../records/deadlocks.js'

/** Pages in the model are tiny: only the stamp (`n0.3`) matters, and it must fit. */
export const MODEL_PAGE_SIZE = 16

export interface ModelBounds {
  /** Ops per node taken from the workload (sleeps skipped). */
  readonly ops: number
  /**
   * Nodes (absent: the workload's cluster.nodes). As `cmm run workload --nodes`: the script is
   * resolved for N nodes (an `all:` block gives each its program); refused when a node would
   * have no program.
   */
  readonly nodes?: number
  readonly seed: number
  readonly granularity?: Granularity
  readonly states?: StatesMode
  readonly downgrade?: DowngradeStyle
  /** Absent: the workload's `cluster.copyStrategy`. */
  readonly copy?: CopyStrategy
  readonly variant?: BreakVariant | null
  readonly onDeadlock?: DeadlockPolicy
  readonly retryLimit?: number
  readonly holdTimeUs?: number
  /** Node kills the search may make (absent: none). */
  readonly kills?: number
  readonly pauses?: number
}

/** Bad model bounds or a workload that cannot give them (exit 2). */
export class ModelInputError extends Error {
  override readonly name = 'ModelInputError'
}

export function modelFromWorkload(script: Workload, b: ModelBounds): ModelConfig {
  if (b.nodes !== undefined && (!Number.isInteger(b.nodes) || b.nodes < 1 || b.nodes > MAX_NODES)) throw new ModelInputError(`--nodes: the model runs 1..${MAX_NODES} nodes, asked for ${b.nodes}`)
  const w = b.nodes === undefined || b.nodes === script.cluster.nodes ? script : applyOverrides(script, {nodes: b.nodes})
  const nodes = w.cluster.nodes
  if (nodes > MAX_NODES) throw new ModelInputError(`the model runs 1..${MAX_NODES} nodes, the workload has ${nodes} (use --nodes)`)
  if (!Number.isInteger(b.ops) || b.ops < 1) throw new RangeError(`ops per node must be a positive integer, got ${b.ops}`)
  const programs: ModelOp[][] = []
  for (let n = 0; n < nodes; n++) {
    const stream = createOpStream(w, n, b.seed)
    const program: ModelOp[] = []
    // A bound on draws too: a workload of only sleeps must not spin.
    for (let draws = 0; program.length < b.ops && draws < b.ops * 100; draws++) {
      const next = stream.next(0)
      if (next === null) break
      const op = next.op
      if (op.f === 'sleep') continue
      program.push(op)
    }
    if (program.length === 0 && b.nodes !== undefined) throw new ModelInputError(`--nodes ${b.nodes}: node ${n} has no ops in ${w.source} (its steps are for other nodes; an \`all:\` block gives every node a program)`)
    programs.push(program)
  }
  return makeModel(
    {
      granularity: b.granularity ?? w.cluster.granularity,
      states: b.states ?? w.cluster.states,
      downgrade: b.downgrade ?? w.cluster.downgrade,
      holdTimeUs: b.holdTimeUs ?? w.cluster.holdTimeUs,
      pageSize: MODEL_PAGE_SIZE,
    },
    programs,
    b.copy ?? w.cluster.copyStrategy,
    b.variant ?? null,
    {onDeadlock: b.onDeadlock, retryLimit: b.retryLimit, kills: b.kills, pauses: b.pauses},
  )
}

export function makeModel(settings: ModelConfig['settings'], programs: ModelOp[][], copy: CopyStrategy, variant: BreakVariant | null, more: Pick<ModelConfig, 'onDeadlock' | 'retryLimit' | 'kills' | 'pauses'> = {}): ModelConfig {
  const pages = new Map<string, PageRef>()
  const add = (p: PageRef): void => void pages.set(pageKey(p), {file: p.file, page: p.page})
  for (const program of programs) {
    for (const op of program) {
      if (op.f === 'read' || op.f === 'write') add(op.page)
      if (op.f === 'copy') {
        for (let i = 0; i < op.pages; i++) {
          add({file: op.from.file, page: op.from.page + i})
          add({file: op.to.file, page: op.to.page + i})
        }
      }
    }
  }
  const sorted = [...pages.values()].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.page - b.page))
  return {settings, programs, pages: sorted, copy, variant, onDeadlock: more.onDeadlock ?? 'ignore', retryLimit: more.retryLimit, kills: more.kills ?? 0, pauses: more.pauses ?? 0}
}

/** Model ops are workload ops (no sleep): one description for both. */
export {describeOp}

export function describeModel(m: ModelConfig): string {
  const s = m.settings
  const hold = s.holdTimeUs > 0 ? `, hold time ${s.holdTimeUs} us` : ''
  const lines = [`${m.programs.length} nodes, ${m.pages.length} pages, granularity ${s.granularity}, states ${s.states}, downgrade ${s.downgrade}${hold}, copy ${m.copy}${m.copy === 'retry' && m.retryLimit !== undefined ? ` (at most ${m.retryLimit} retries)` : ''}${m.onDeadlock !== undefined && m.onDeadlock !== 'ignore' ? `, on deadlock ${m.onDeadlock}` : ''}${m.kills ? `, up to ${m.kills} node kill${m.kills === 1 ? '' : 's'}` : ''}${m.pauses ? `, up to ${m.pauses} pause${m.pauses === 1 ? '' : 's'} past the lease` : ''}${m.variant ? `, break ${m.variant}` : ''}`]
  m.programs.forEach((p, n) => lines.push(`  node ${n}: ${p.map(describeOp).join('; ') || '(nothing)'}`))
  return lines.join('\n')
}

