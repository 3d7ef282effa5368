// Names of the latency histograms and the JSON shape they travel in (node -> Redis -> orchestrator).
import {FAULT_CLASSES, type FaultClass} from '../protocol/types.js'
import type {Op} from '../workload/types.js'

/** Operations whose latency is recorded (every workload op except `sleep`). */
export type OpName = Exclude<Op['f'], 'sleep'>

// A record, not an array, so that adding an op to the workload format fails to compile here.
const OP_ORDER: Record<OpName, number> = {read: 0, write: 1, copy: 2, msync: 3}
export const OP_NAMES: readonly OpName[] = (Object.keys(OP_ORDER) as OpName[]).sort((a, b) => OP_ORDER[a] - OP_ORDER[b])

export type HistogramKey = `op:${OpName}` | `fault:${FaultClass}`

export function opKey(op: OpName): HistogramKey {
  return `op:${op}`
}

export function faultKey(fault: FaultClass): HistogramKey {
  return `fault:${fault}`
}

/** Every key in display order: ops first, then fault classes from cheapest to dearest. */
export const HISTOGRAM_KEYS: readonly HistogramKey[] = [...OP_NAMES.map(opKey), ...FAULT_CLASSES.map(faultKey)]

/**
 * Histograms by key as HISTF V2 base64 strings. Plain JSON. `corrected` measures open-loop ops
 * from their intended start (coordinated-omission corrected); `uncorrected` from their actual
 * start. For keys that never saw an intended latency the two strings are identical.
 * Keys are open-ended strings so that readers accept keys added later.
 */
export interface EncodedHistograms {
  corrected: Record<string, string>
  uncorrected: Record<string, string>
}

export function emptyEncoded(): EncodedHistograms {
  return {corrected: {}, uncorrected: {}}
}

/** Validates the shape of an EncodedHistograms parsed from JSON (e.g. read back from Redis). */
export function parseEncodedHistograms(value: unknown): EncodedHistograms {
  const side = (name: 'corrected' | 'uncorrected'): Record<string, string> => {
    const v: unknown = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`encoded histograms: "${name}" must be an object`)
    const out: Record<string, string> = {}
    for (const [k, s] of Object.entries(v)) {
      if (typeof s !== 'string') throw new Error(`encoded histograms: ${name}["${k}"] must be a string`)
      out[k] = s
    }
    return out
  }
  return {corrected: side('corrected'), uncorrected: side('uncorrected')}
}

/**
 * A histogram's non-empty buckets as [index, count, index, count, ...] (the hdr layout of
 * metrics/histogram.ts): what a node's progress report carries, cheap to build and to add.
 */
export type BucketCounts = number[]

/** EncodedHistograms' shape with bucket counts instead of HISTF strings (what node processes send); `uncorrected` only where it differs. */
export interface CountsHistograms {
  corrected: Record<string, BucketCounts>
  uncorrected: Record<string, BucketCounts>
}
