// The workload's `chaos:` list (issue 4): scheduled faults.
//   chaos:
//     - { at: 2s, kill: 1, restart: 500ms }
//     - { every: 3s, kill: random, restart: 1s }
//     - { at: 5s, pause: 0, for: 4s }
import {FAULT_POINTS, type ChaosStep, type ChaosTarget} from './types.js'
import {readDuration} from './parse-steps.js'
import {LIMITS} from './keys.js'
import type {Val, YamlReader} from './yaml-reader.js'
import {NET_EXTRA_KEYS, NET_FAULT_KEYS, parseNetStep} from './parse-net-chaos.js'
import {checkHolderPage, nodeId, type ChaosContext} from './chaos-refs.js'

const CHAOS_KEYS = ['at', 'every', 'kill', 'when', 'pause', 'restart', 'for', 'restart-redis', 'failover-redis', ...NET_FAULT_KEYS, ...NET_EXTRA_KEYS] as const
const MAX_CHAOS_STEPS = 100
/** Every fault a chaos step can name, for messages. */
const FAULT_KEYS = 'kill:, pause:, restart-redis:, failover-redis:, partition:, delay: or skew:'

export function parseChaos(r: YamlReader, v: Val, ctx: ChaosContext): ChaosStep[] {
  const items = r.list(v, 'chaos (a list of faults like { at: 2s, kill: 1, restart: 500ms })')
  if (items.length > MAX_CHAOS_STEPS) r.fail(v, `at most ${MAX_CHAOS_STEPS} chaos steps`, `${items.length}`)
  return items.map((item) => {
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
      return parseNetStep(r, f, item, atMs, everyMs, ctx)
    }
    const extra = NET_EXTRA_KEYS.find((k) => f.get(k) !== undefined)
    if (extra !== undefined) r.fail(f.get(extra)!, `${extra}: only with partition:, delay: or skew:`)
    for (const name of ['restart-redis', 'failover-redis'] as const) {
      const redisV = f.get(name)
      if (redisV === undefined) continue
      if (r.scalar(redisV) !== true) r.fail(redisV, `${name}: true`)
      const others = [kill, pause, f.get(name === 'restart-redis' ? 'failover-redis' : 'restart-redis')]
      if (others.some((o) => o !== undefined)) r.fail(item, `a chaos step with exactly one fault (${FAULT_KEYS})`, 'a map with two')
      return name === 'restart-redis' ? {atMs, everyMs, restartRedis: true} : {atMs, everyMs, failoverRedis: true}
    }
    if ((kill === undefined) === (pause === undefined)) r.fail(item, `a chaos step with exactly one fault (${FAULT_KEYS})`, kill === undefined ? 'none' : 'both kill: and pause:')
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
        checkHolderPage(r, kill, m![1]!, ctx)
        if (whenV === undefined) r.fail(kill, `kill: holder-of ... with when: (${FAULT_POINTS.join(', ')})`, 'no when:')
        const when = r.oneOf(whenV, FAULT_POINTS, 'when')
        return {atMs, everyMs, killAt: {page: m![1]!, when}, restartMs}
      }
      if (whenV !== undefined) r.fail(whenV, 'when: only with kill: holder-of F/P')
      return {atMs, everyMs, kill: target(r, kill, ctx), restartMs}
    }
    const forV = r.require(f, 'for', 'how long the pause lasts')
    if (f.get('restart') !== undefined) r.fail(f.get('restart')!, 'no restart: with pause: (use for:)')
    return {atMs, everyMs, pause: target(r, pause!, ctx), forMs: readDuration(r, forV, 'for', 1000) / 1000}
  })
}

function target(r: YamlReader, v: Val, ctx: ChaosContext): ChaosTarget {
  if (r.scalar(v) === 'random') return 'random'
  return nodeId(r, v, `a node id (0..${LIMITS.maxNodes - 1}) or random`, ctx)
}
