// The workload's `chaos:` list (issue 4): scheduled faults.
//   chaos:
//     - { at: 2s, kill: 1, restart: 500ms }
//     - { every: 3s, kill: random, restart: 1s }
//     - { at: 5s, pause: 0, for: 4s }
import {FAULT_POINTS, type ChaosStep, type ChaosTarget} from './types.js'
import {readDuration} from './parse-steps.js'
import {LIMITS} from './keys.js'
import type {Val, YamlReader} from './yaml-reader.js'
import type {Position} from './errors.js'
import {NET_EXTRA_KEYS, NET_FAULT_KEYS, parseNetStep} from './parse-net-chaos.js'

const CHAOS_KEYS = ['at', 'every', 'kill', 'when', 'pause', 'restart', 'for', 'restart-redis', 'failover-redis', ...NET_FAULT_KEYS, ...NET_EXTRA_KEYS] as const
const MAX_CHAOS_STEPS = 100

/** A chaos step's node id as written, checked against the cluster size once it is known (script.ts resolveScript). */
export interface ChaosNodeRef {
  readonly node: number
  readonly at: Position
}

/** The keys whose value names the node a step acts on. */
const TARGET_KEYS = ['kill', 'pause', 'partition', 'delay', 'skew'] as const

/** The steps; each node id a step names goes to `targets`, with its place in the file. */
export function parseChaos(r: YamlReader, v: Val, targets: ChaosNodeRef[] = []): ChaosStep[] {
  const items = r.list(v, 'chaos (a list of faults like { at: 2s, kill: 1, restart: 500ms })')
  if (items.length > MAX_CHAOS_STEPS) r.fail(v, `at most ${MAX_CHAOS_STEPS} chaos steps`, `${items.length}`)
  return items.map((item) => {
    const step = parseStep(r, item)
    noteTarget(r, item, step, targets)
    return step
  })
}

/**
 * Node ids are bounded here only by the largest cluster (255): `kill: 7` in a 2-node script was
 * accepted, the run started, and the chaos schedule failed it (exit 4). Noted with their place so
 * the cluster size, known after --nodes, refuses them before anything starts.
 */
function noteTarget(r: YamlReader, item: Val, step: ChaosStep, targets: ChaosNodeRef[]): void {
  const f = r.fields(item, CHAOS_KEYS, 'chaos step')
  for (const key of TARGET_KEYS) {
    const node = (step as Partial<Record<(typeof TARGET_KEYS)[number], unknown>>)[key]
    const v = f.get(key)
    if (typeof node === 'number' && v !== undefined) targets.push({node, at: r.position(v.offset)})
  }
}

function parseStep(r: YamlReader, item: Val): ChaosStep {
  const f = r.fields(item, CHAOS_KEYS, 'chaos step')
  const at = f.get('at')
  const every = f.get('every')
  if (at === undefined && every === undefined) r.fail(item, 'a chaos step with at: or every:')
  const everyMs = every === undefined ? null : readDuration(r, every, 'every', 10_000) / 1000
  const atMs = at === undefined ? (everyMs as number) : readDuration(r, at, 'at', 0) / 1000
  const kill = f.get('kill')
  const pause = f.get('pause')
  const redisFault = f.get('restart-redis') ?? f.get('failover-redis')
  if (NET_FAULT_KEYS.some((k) => f.get(k) !== undefined)) {
    if (redisFault !== undefined) r.fail(redisFault, 'a chaos step with exactly one fault', 'a Redis fault next to a network fault')
    return parseNetStep(r, f, item, atMs, everyMs)
  }
  const extra = NET_EXTRA_KEYS.find((k) => f.get(k) !== undefined)
  if (extra !== undefined) r.fail(f.get(extra)!, `${extra}: only with partition:, delay: or skew:`)
  for (const name of ['restart-redis', 'failover-redis'] as const) {
    const redisV = f.get(name)
    if (redisV === undefined) continue
    if (r.scalar(redisV) !== true) r.fail(redisV, `${name}: true`)
    const others = [kill, pause, f.get(name === 'restart-redis' ? 'failover-redis' : 'restart-redis')]
    if (others.some((o) => o !== undefined)) r.fail(item, 'a chaos step with exactly one of kill:, pause:, restart-redis: or failover-redis:')
    return name === 'restart-redis' ? {atMs, everyMs, restartRedis: true} : {atMs, everyMs, failoverRedis: true}
  }
  if ((kill === undefined) === (pause === undefined)) r.fail(item, 'a chaos step with exactly one of kill: or pause:')
  const whenV = f.get('when')
  if (whenV !== undefined && kill === undefined) r.fail(whenV, 'when: only with kill: holder-of F/P')
  if (kill !== undefined) {
    if (f.get('for') !== undefined) r.fail(f.get('for')!, 'no for: with kill: (use restart:)')
    const restart = f.get('restart')
    const restartMs = restart === undefined ? null : readDuration(r, restart, 'restart', 0) / 1000
    const text = r.scalar(kill)
    if (typeof text === 'string' && text.startsWith('holder-of')) {
      const m = /^holder-of ([A-Za-z_][\w-]*\/\d+)$/.exec(text)
      if (m === null) r.fail(kill, 'kill: holder-of FILE/PAGE (e.g. holder-of a/0)')
      if (whenV === undefined) r.fail(kill, `kill: holder-of ... with when: (${FAULT_POINTS.join(', ')})`, 'no when:')
      const when = r.oneOf(whenV, FAULT_POINTS, 'when')
      return {atMs, everyMs, killAt: {page: m![1]!, when}, restartMs}
    }
    if (whenV !== undefined) r.fail(whenV, 'when: only with kill: holder-of F/P')
    return {atMs, everyMs, kill: target(r, kill), restartMs}
  }
  const forV = r.require(f, 'for', 'how long the pause lasts')
  if (f.get('restart') !== undefined) r.fail(f.get('restart')!, 'no restart: with pause: (use for:)')
  return {atMs, everyMs, pause: target(r, pause!), forMs: readDuration(r, forV, 'for', 1000) / 1000}
}

function target(r: YamlReader, v: Val): ChaosTarget {
  if (r.scalar(v) === 'random') return 'random'
  return r.integer(v, `a node id (0..${LIMITS.maxNodes - 1}) or random`, 0, LIMITS.maxNodes - 1)
}
