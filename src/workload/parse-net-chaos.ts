// Network and clock faults in a workload's `chaos:` list (issue 14), next to kill/pause:
//   - { at: 2s, partition: 1, for: 3s }                    # both directions
//   - { at: 2s, partition: 1, for: 3s, one-way: to-redis }
//   - { at: 1s, delay: all, by: 20ms, jitter: 5ms, for: 2s }
//   - { every: 4s, partition: random, for: 2500ms }
//   - { at: 1s, skew: 2, by: 300ms }                       # offset; `rate: 1.05` runs it fast
//   - { at: 1s, partition: holder-of a/0, when: dirty, for: 3s }
import {FAULT_POINTS, ONE_WAY_DIRECTIONS, type ChaosStep, type NetTarget} from './types.js'
import {readDuration} from './parse-steps.js'
import {DURATION_HINT, MAX_DURATION_TEXT, parseDurationUs} from './duration.js'
import {LIMITS} from './keys.js'
import type {Fields, Val, YamlReader} from './yaml-reader.js'
import {checkHolderPage, nodeId, type ChaosContext} from './chaos-refs.js'

export const NET_FAULT_KEYS = ['partition', 'delay', 'skew'] as const
/** Keys only network and clock faults take. */
export const NET_EXTRA_KEYS = ['one-way', 'by', 'jitter', 'rate'] as const

/** A skew's rate is a clock running fast or slow, not stopped or racing. */
const MIN_RATE = 0.1
const MAX_RATE = 10

export function parseNetStep<K extends string>(r: YamlReader, f: Fields<K>, item: Val, atMs: number, everyMs: number | null, ctx: ChaosContext): ChaosStep {
  const get = (k: string) => f.get(k as K)
  const present = NET_FAULT_KEYS.filter((k) => get(k) !== undefined)
  if (present.length !== 1) r.fail(item, 'a chaos step with exactly one fault (kill:, pause:, restart-redis:, failover-redis:, partition:, delay: or skew:)', 'a map with two')
  const kind = present[0]!
  const only = (key: string, owner: string) => {
    const v = get(key)
    if (v !== undefined && kind !== owner) r.fail(v, `${key}: only with ${owner}:`)
  }
  only('one-way', 'partition')
  only('jitter', 'delay')
  only('rate', 'skew')
  if (get('by') !== undefined && kind === 'partition') r.fail(get('by')!, 'by: only with delay: or skew:')
  for (const k of ['restart', 'kill', 'pause'] as const) if (get(k) !== undefined) r.fail(get(k)!, `no ${k}: with ${kind}:`)
  const forV = get('for')
  const forMs = forV === undefined ? null : readDuration(r, forV, 'for', 1000) / 1000
  const target = netTarget(r, get(kind)!, get('when'), kind, ctx)
  const ms = (v: Val | undefined, what: string) => (v === undefined ? 0 : readDuration(r, v, what, 0) / 1000)
  if (kind === 'partition') {
    const oneWay = get('one-way')
    const direction = oneWay === undefined ? 'both' : r.oneOf(oneWay, ONE_WAY_DIRECTIONS, 'one-way')
    return {atMs, everyMs, partition: target, direction, forMs}
  }
  if (kind === 'delay') {
    const by = r.require(f, 'by' as K, 'how long each message is delayed (by: 20ms)')
    return {atMs, everyMs, delay: target, byMs: ms(by, 'by'), jitterMs: ms(get('jitter'), 'jitter'), forMs}
  }
  const rateV = get('rate')
  if (get('by') === undefined && rateV === undefined) r.fail(item, 'a skew with by: (an offset like 300ms) or rate: (like 1.05), or both')
  const rate = rateV === undefined ? 1 : r.number(rateV, `rate (how fast the clock runs, ${MIN_RATE}..${MAX_RATE})`, MIN_RATE, MAX_RATE)
  return {atMs, everyMs, skew: target, byMs: signedMs(r, get('by')), rate, forMs}
}

/** A skew's offset may be negative (the clock behind): `by: -300ms`. */
function signedMs(r: YamlReader, v: Val | undefined): number {
  if (v === undefined) return 0
  const s = r.scalar(v)
  const negative = typeof s === 'string' && s.startsWith('-')
  const us = typeof s === 'string' ? parseDurationUs(negative ? s.slice(1) : s) : null
  if (us === null) r.fail(v, `by (a clock offset, ${DURATION_HINT}, at most ${MAX_DURATION_TEXT}, or negative: -300ms)`)
  return ((negative ? -1 : 1) * us) / 1000
}

function netTarget(r: YamlReader, v: Val, whenV: Val | undefined, kind: string, ctx: ChaosContext): NetTarget {
  const text = r.scalar(v)
  if (typeof text === 'string' && text.startsWith('holder-of')) {
    const m = /^holder-of ([A-Za-z_][\w-]*\/\d+)$/.exec(text)
    if (m === null) r.fail(v, `${kind}: holder-of FILE/PAGE (e.g. holder-of a/0)`)
    checkHolderPage(r, v, m![1]!, ctx)
    if (whenV === undefined) r.fail(v, `${kind}: holder-of ... with when: (${FAULT_POINTS.join(', ')})`, 'no when:')
    return {page: m![1]!, when: r.oneOf(whenV, FAULT_POINTS, 'when')}
  }
  if (whenV !== undefined) r.fail(whenV, `when: only with ${kind}: holder-of F/P`)
  if (text === 'random' || text === 'all') return text
  return nodeId(r, v, `a node id (0..${LIMITS.maxNodes - 1}), random, all or holder-of F/P`, ctx)
}
