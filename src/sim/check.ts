// `cmm check model`: build the model from a workload, explore it, and say what was found.
// Returns printable lines and the exit status; the command only parses flags and prints.
import {readFileSync} from 'node:fs'
import type {BreakVariant} from '../protocol/break.js'
import type {DowngradeStyle, Granularity, StatesMode} from '../protocol/types.js'
import {loadWorkload} from '../workload/parse.js'
import {exhaustive, random, replay, shrink, walk, type ExhaustiveResult, type Found, type Progress, type RandomResult} from './explore.js'
import {collisionBound} from './hash.js'
import {exhaustiveParallel} from './parallel.js'
import {describeModel, ModelInputError, modelFromWorkload} from './program.js'
import {describeSymmetry} from './symmetry.js'
import {protocolFor, type Protocol} from './protocol.js'
import {formatTrace, kindOf, parseTrace, TraceFormatError, type Action, type CopyStrategy, type DeadlockPolicy, type ModelConfig} from './types.js'

export const MODEL_EXIT = {ok: 0, violation: 1, badInput: 2, budget: 3} as const

export type ModelMode =
  | {readonly kind: 'exhaustive'}
  | {readonly kind: 'random'; readonly walks: number}
  /** One walk of a random run, by its seed. */
  | {readonly kind: 'replay-seed'; readonly seed: number}
  | {readonly kind: 'replay-trace'; readonly trace: string}

export interface ModelOptions {
  readonly file: string
  readonly mode: ModelMode
  readonly seed: number
  readonly ops: number
  readonly nodes?: number
  readonly depth: number
  readonly budgetMs: number
  readonly variant: BreakVariant | null
  /** Absent: the workload's `cluster.copyStrategy`. */
  readonly copy?: CopyStrategy
  /** Absent: `ignore` (a cycle is reported as the deadlock it is). */
  readonly onDeadlock?: DeadlockPolicy
  /** Absent: the worker's limit. */
  readonly retryLimit?: number
  readonly granularity?: Granularity
  readonly states?: StatesMode
  readonly downgrade?: DowngradeStyle
  readonly holdTimeUs?: number
  /** Node kills each path or walk may make (absent: none). */
  readonly kills?: number
  /** Pauses past the lease each path or walk may make (absent: none). */
  readonly pauses?: number
  /** Network partitions each path or walk may make (absent: none). */
  readonly partitions?: number
  /** Symmetry reduction where sound (absent: on). */
  readonly symmetry?: boolean
  /** Threads of an exhaustive search (absent or 1: this one; more: worker threads). */
  readonly workers?: number
  /** The search's progress, at most once a second. */
  readonly progress?: (p: Progress) => void
}

export interface ModelOutcome {
  readonly exitCode: number
  readonly lines: string[]
  /** The failing trace (shrunk), for `--save`. */
  readonly trace: string | null
}

export {ModelInputError}

export function readTraceFile(path: string): string {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (e) {
    throw new ModelInputError(`${path}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
  }
  // A saved trace is the trace text, optionally after comment lines starting with '#'.
  const trace = text
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('#'))
    .join(' ')
  if (trace.trim() === '') throw new ModelInputError(`${path}: ${NO_STEPS}`)
  return trace
}

/**
 * An empty trace replayed zero steps and said "no violation along this trace" (exit 0): an
 * empty or wrong --trace file, or --replay "", looked like a passing check.
 */
const NO_STEPS = 'no trace steps to replay (expected steps like "op0 req0 rep0", as a violation prints them and --save writes them)'

/** The model the options describe (the workload file read and bounded). */
export function modelOf(o: ModelOptions): ModelConfig {
  const workload = loadWorkload(o.file)
  return modelFromWorkload(workload, {ops: o.ops, nodes: o.nodes, seed: o.seed, granularity: o.granularity, states: o.states, downgrade: o.downgrade, copy: o.copy, onDeadlock: o.onDeadlock, retryLimit: o.retryLimit, variant: o.variant, holdTimeUs: o.holdTimeUs, kills: o.kills, pauses: o.pauses, partitions: o.partitions})
}

/** A trace's own kills, pauses and partitions are allowed without the flags (a printed trace replays as it is). */
export function allowingTrace(model: ModelConfig, trace: readonly Action[]): ModelConfig {
  const count = (kind: string) => trace.filter((a) => kindOf(a) === kind).length
  return {...model, kills: Math.max(model.kills ?? 0, count('kill')), pauses: Math.max(model.pauses ?? 0, count('pause')), partitions: Math.max(model.partitions ?? 0, count('part'))}
}

/** A trace's text as actions; a bad step is bad input. */
export function traceOf(text: string): Action[] {
  try {
    return parseTrace(text)
  } catch (e) {
    if (e instanceof TraceFormatError) throw new ModelInputError(e.message)
    throw e
  }
}

export async function checkModel(o: ModelOptions, protocol?: Protocol): Promise<ModelOutcome> {
  const model = modelOf(o)
  const p = protocol ?? protocolFor(model.variant)
  const lines = [`model: ${describeModel(model)}`]
  const limits = {depth: o.depth, budgetMs: o.budgetMs, symmetry: o.symmetry ?? true, progress: o.progress}
  switch (o.mode.kind) {
    case 'exhaustive': {
      lines.push(describeSymmetry(model, limits.symmetry))
      // Worker threads run the standard protocols by name: a protocol passed in (tests' broken managers) runs here.
      const workers = protocol === undefined ? (o.workers ?? 1) : 1
      const r = workers > 1 ? await exhaustiveParallel(model, limits, workers) : exhaustive(model, limits, p)
      lines.push(exhaustiveLine(r))
      return verdict(model, p, r, lines)
    }
    case 'random': {
      const r = random(model, o.mode.walks, o.seed, limits, p)
      lines.push(randomLine(r))
      return verdict(model, p, r, lines)
    }
    case 'replay-seed': {
      const w = walk(model, o.mode.seed, o.depth, p)
      lines.push(`replay of walk seed ${o.mode.seed}: ${w.trace.length} steps`)
      if (w.violation === null) {
        lines.push('no violation')
        return {exitCode: MODEL_EXIT.ok, lines, trace: null}
      }
      return reportFound(model, p, {violation: w.violation, trace: w.trace, seed: o.mode.seed}, lines)
    }
    case 'replay-trace': {
      const trace = traceOf(o.mode.trace)
      if (trace.length === 0) throw new ModelInputError(`--replay: ${NO_STEPS}`)
      const r = replay(allowingTrace(model, trace), trace, true, p)
      lines.push(`replay of a ${trace.length}-step trace:`)
      for (const [i, s] of r.steps.entries()) lines.push(s.ran ? `  ${String(i + 1).padStart(3)}. ${s.said}` : `  ${String(i + 1).padStart(3)}. (${formatTrace([s.action])} not enabled: skipped)`)
      if (r.violation === null) {
        lines.push(r.state.enabled().length === 0 ? 'no violation (the trace ends in a clean final state)' : 'no violation along this trace')
        return {exitCode: MODEL_EXIT.ok, lines, trace: null}
      }
      lines.push(`VIOLATION (${r.violation.kind}): ${r.violation.message}`)
      return {exitCode: MODEL_EXIT.violation, lines, trace: formatTrace(trace)}
    }
  }
}

function verdict(model: ModelConfig, p: Protocol, r: ExhaustiveResult | RandomResult, lines: string[]): ModelOutcome {
  if (r.found !== null) return reportFound(model, p, r.found, lines)
  if (!r.complete) {
    lines.push(`budget ran out before a verdict: no violation in what was explored`)
    return {exitCode: MODEL_EXIT.budget, lines, trace: null}
  }
  if (r.kind === 'exhaustive') {
    lines.push(r.cut === 0 ? 'no violation: every interleaving of these programs was explored' : `no violation found, but ${r.cut} paths were cut at --depth ${r.maxDepth}: not a proof (a state first met at the cut is not expanded even if a shorter path reaches it)`)
  } else lines.push('no violation')
  return {exitCode: MODEL_EXIT.ok, lines, trace: null}
}

function reportFound(model: ModelConfig, p: Protocol, f: Found, lines: string[]): ModelOutcome {
  const short = shrink(model, f.trace, f.violation.kind, p)
  const r = replay(model, short, true, p)
  const v = r.violation ?? f.violation
  lines.push(`VIOLATION (${v.kind}): ${v.message}`)
  if (f.seed !== null) lines.push(`found by the walk with seed ${f.seed} (${f.trace.length} steps): replay it with --replay ${f.seed}`)
  lines.push(`shortest trace found (${short.length} steps, shrunk from ${f.trace.length}):`)
  for (const [i, s] of r.steps.entries()) lines.push(`  ${String(i + 1).padStart(3)}. ${s.said}`)
  const text = formatTrace(short)
  lines.push(`replay: --replay "${text}"`)
  return {exitCode: MODEL_EXIT.violation, lines, trace: text}
}

function exhaustiveLine(r: ExhaustiveResult): string {
  const rate = r.seconds > 0 ? Math.round(r.transitions / r.seconds) : r.transitions
  const threads = r.workers > 1 ? ` on ${r.workers} worker threads` : ''
  return `exhaustive: ${r.transitions} states explored (${r.distinct} distinct${r.symmetry ? ' up to symmetry' : ''}, ${r.ends} final), depth ${r.maxDepth}, ${r.seconds.toFixed(2)} s${threads}, ${rate} states/s; hash collision chance < ${collisionBound(r.distinct).toExponential(1)}`
}

function randomLine(r: RandomResult): string {
  const rate = r.seconds > 0 ? Math.round(r.steps / r.seconds) : r.steps
  return `random: ${r.walks} walks, ${r.steps} steps, ${r.seconds.toFixed(2)} s, ${rate} steps/s`
}
