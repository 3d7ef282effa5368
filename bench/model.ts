// Times the model checker (`cmm check model`): exhaustive search of the configurations the
// issue names (2 nodes x 2 pages x 3 ops, 3 nodes x 1 page x 2 ops) in every protocol mode,
// larger ones to show what one minute reaches, and random walks. States per second counts
// transitions run (each a copy of the state, one action, every invariant, a hash lookup).
// Run alone with `node --import tsx bench/model.ts` (add `--big` for the one-minute sizes).
import {pathToFileURL} from 'node:url'

import {exhaustive, random} from '../src/sim/explore.js'
import {makeModel, MODEL_PAGE_SIZE} from '../src/sim/program.js'
import type {CopyStrategy, ModelOp} from '../src/sim/types.js'
import type {DowngradeStyle, Granularity, StatesMode} from '../src/protocol/types.js'

export interface ModelBenchRow {
  readonly name: string
  readonly mode: 'exhaustive' | 'random'
  /** Transitions run (exhaustive), steps (random). */
  readonly states: number
  readonly distinct: number
  readonly depth: number
  readonly seconds: number
  readonly statesPerSec: number
  /** CPU time of this process (the machine is shared: wall-clock rates vary with its load). */
  readonly cpuSeconds: number
  readonly statesPerCpuSec: number
  readonly verdict: 'no violation' | 'violation' | 'budget'
}

const r = (page: number): ModelOp => ({f: 'read', page: {file: 'a', page}})
const w = (page: number): ModelOp => ({f: 'write', page: {file: 'a', page}})
const race = (rounds: number): ModelOp[] => Array.from({length: rounds}, () => [r(0), w(0), r(1)]).flat()

interface Case {
  readonly name: string
  readonly programs: ModelOp[][]
  readonly granularity?: Granularity
  readonly states?: StatesMode
  readonly downgrade?: DowngradeStyle
  readonly copy?: CopyStrategy
  /** A retry copy's rounds before the ordered path (absent: the worker's 32). */
  readonly retryLimit?: number
}

const cp = (from: string, to: string): ModelOp => ({f: 'copy', from: {file: from, page: 0}, to: {file: to, page: 0}, pages: 1})

const SMALL: Case[] = [
  ...(['page', 'file'] as const).flatMap((granularity): Case[] => [
    {name: `2x2x3 ${granularity} shared unmap`, programs: [race(1), race(1)], granularity},
    {name: `2x2x3 ${granularity} shared write-protect`, programs: [race(1), race(1)], granularity, downgrade: 'write-protect'},
    {name: `2x2x3 ${granularity} exclusive`, programs: [race(1), race(1)], granularity, states: 'exclusive'},
  ]),
  {name: '3x1x2 page shared', programs: [[r(0), w(0)], [w(0), r(0)], [r(0), w(0)]]},
  {name: 'opposite copies, ordered', programs: [[w(0), {f: 'copy', from: {file: 'a', page: 0}, to: {file: 'b', page: 0}, pages: 1}], [{f: 'write', page: {file: 'b', page: 0}}, {f: 'copy', from: {file: 'b', page: 0}, to: {file: 'a', page: 0}, pages: 1}]]},
]

/** What one minute reaches (a few minutes in all: only with --big). */
const BIG: Case[] = [
  {name: '2x2x9 page shared', programs: [race(3), race(3)]},
  {name: '2x2x12 page shared', programs: [race(4), race(4)]},
  {name: '3x2x3 page shared', programs: [race(1), race(1), race(1)]},
  {name: '3x1x3 page shared', programs: [[r(0), w(0), r(0)], [w(0), r(0), w(0)], [r(0), w(0), r(0)]]},
  {name: 'opposite copies, retry (32 rounds)', programs: [[w(0), cp('a', 'b')], [{f: 'write', page: {file: 'b', page: 0}}, cp('b', 'a')]], copy: 'retry'},
  {name: 'copy ring, retry (1 round)', programs: [[cp('a', 'b')], [cp('b', 'c')], [cp('c', 'a')]], copy: 'retry', retryLimit: 1},
]

function model(c: Case) {
  return makeModel({granularity: c.granularity ?? 'page', states: c.states ?? 'shared', downgrade: c.downgrade ?? 'unmap', holdTimeUs: 0, pageSize: MODEL_PAGE_SIZE}, c.programs, c.copy ?? 'ordered', null, {retryLimit: c.retryLimit})
}

function cpuSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start)
  return (d.user + d.system) / 1e6
}

export async function benchModel(options: {big?: boolean; budgetMs?: number} = {}): Promise<{rows: ModelBenchRow[]}> {
  const rows: ModelBenchRow[] = []
  const budgetMs = options.budgetMs ?? 60_000
  for (const c of [...SMALL, ...(options.big ? BIG : [])]) {
    const cpu = process.cpuUsage()
    const res = exhaustive(model(c), {depth: 10_000, budgetMs})
    const cpuSeconds = cpuSince(cpu)
    rows.push({
      name: c.name,
      mode: 'exhaustive',
      states: res.transitions,
      distinct: res.distinct,
      depth: res.maxDepth,
      seconds: Number(res.seconds.toFixed(3)),
      statesPerSec: Math.round(res.transitions / res.seconds),
      cpuSeconds: Number(cpuSeconds.toFixed(3)),
      statesPerCpuSec: Math.round(res.transitions / cpuSeconds),
      verdict: res.found !== null ? 'violation' : res.complete ? 'no violation' : 'budget',
    })
    await new Promise((resolve) => setImmediate(resolve))
  }
  const cpu = process.cpuUsage()
  const walks = random(model({name: '', programs: [race(10), race(10), race(10)]}), 2000, 1, {depth: 10_000, budgetMs})
  rows.push({name: '3 nodes x 30 ops, 2000 random walks', mode: 'random', states: walks.steps, distinct: 0, depth: 0, seconds: Number(walks.seconds.toFixed(3)), statesPerSec: Math.round(walks.steps / walks.seconds), cpuSeconds: Number(cpuSince(cpu).toFixed(3)), statesPerCpuSec: Math.round(walks.steps / cpuSince(cpu)), verdict: walks.found !== null ? 'violation' : walks.complete ? 'no violation' : 'budget'})
  return {rows}
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const {rows} = await benchModel({big: process.argv.includes('--big')})
  console.table(rows)
}
