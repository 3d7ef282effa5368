// Per-node latency recording. record() runs once per workload operation, so it does no
// allocation and no string building: every key's slot is built up front and histograms are
// created the first time a key is used. It produces bucket counts; encodeCounts()
// (metrics/histogram.ts) turns them into HISTF strings where hdr-histogram-js is loaded anyway.
import {FAULT_CLASSES, type FaultClass} from '../protocol/types.js'
import {BucketHistogram, emptyCounts, MAX_LATENCY_US} from './bucket-histogram.js'
import {faultKey, OP_NAMES, opKey, type CountsHistograms, type OpName} from '../records/histogram-keys.js'


/**
 * The corrected and uncorrected histograms of one key over one period. They are one and the same
 * until the first intended latency arrives (closed-loop runs never get there), which halves the
 * recording cost and lets the encoders tell "identical" from "differs" without comparing counts.
 */
class Pair {
  readonly corrected = new BucketHistogram()
  // Kept across reset() so an open-loop run reuses it every interval instead of reallocating.
  private uncorrected: BucketHistogram | null = null
  private split = false

  record(corrected: number, uncorrected: number, open: boolean): void {
    if (open && !this.split) this.splitOff()
    this.corrected.recordValue(corrected)
    if (this.split) this.uncorrected!.recordValue(uncorrected)
  }

  get count(): number {
    return this.corrected.totalCount
  }

  countsInto(out: CountsHistograms, key: string): void {
    out.corrected[key] = this.corrected.bucketCounts()
    if (this.split) out.uncorrected[key] = this.uncorrected!.bucketCounts()
  }

  reset(): void {
    this.corrected.reset()
    this.split = false
  }

  // Everything recorded so far had latency == intended latency, so the uncorrected
  // histogram starts as a copy of the corrected one.
  private splitOff(): void {
    const u = this.uncorrected ?? new BucketHistogram()
    u.reset()
    u.add(this.corrected)
    this.uncorrected = u
    this.split = true
  }
}

class Slot {
  total: Pair | null = null
  interval: Pair | null = null

  constructor(readonly key: string) {}

  record(corrected: number, uncorrected: number, open: boolean): void {
    let total = this.total
    let interval = this.interval
    if (total === null || interval === null) {
      total = this.total = new Pair()
      interval = this.interval = new Pair()
    }
    total.record(corrected, uncorrected, open)
    interval.record(corrected, uncorrected, open)
  }
}

export class LatencyRecorder {
  private readonly ops: Readonly<Record<OpName, Slot>>
  private readonly faults: Readonly<Record<FaultClass, Slot>>
  private readonly slots: readonly Slot[]
  private clamped = 0

  constructor() {
    const ops = {} as Record<OpName, Slot>
    for (const op of OP_NAMES) ops[op] = new Slot(opKey(op))
    const faults = {} as Record<FaultClass, Slot>
    for (const f of FAULT_CLASSES) faults[f] = new Slot(faultKey(f))
    this.ops = ops
    this.faults = faults
    this.slots = [...Object.values(ops), ...Object.values(faults)]
  }

  /**
   * Records one operation's latency (µs, fractions are rounded) under its op and, when `fault` is
   * given, under that fault class too. `intendedLatencyUs`, for open-loop ops, is measured from
   * the op's intended start and goes into the corrected histograms; `latencyUs` into the
   * uncorrected ones. The node's worker passes `fault` null and records every page access
   * through recordFault(), so the fault histograms count what the fault counters count.
   */
  record(op: OpName, fault: FaultClass | null, latencyUs: number, intendedLatencyUs?: number): void {
    const opSlot: Slot | undefined = this.ops[op]
    if (opSlot === undefined) throw new Error(`LatencyRecorder: unknown op ${String(op)}`)
    this.countClamped(latencyUs, intendedLatencyUs)
    this.into(opSlot, latencyUs, intendedLatencyUs)
    if (fault !== null) this.into(this.faultSlot(fault), latencyUs, intendedLatencyUs)
  }

  /** Records one page access's latency under its fault class (one per access, copies' included). */
  recordFault(fault: FaultClass, latencyUs: number, intendedLatencyUs?: number): void {
    this.countClamped(latencyUs, intendedLatencyUs)
    this.into(this.faultSlot(fault), latencyUs, intendedLatencyUs)
  }

  private faultSlot(fault: FaultClass): Slot {
    const slot: Slot | undefined = this.faults[fault]
    if (slot === undefined) throw new Error(`LatencyRecorder: unknown fault class ${String(fault)}`)
    return slot
  }

  private countClamped(latencyUs: number, intendedLatencyUs: number | undefined): void {
    if (latencyUs > MAX_LATENCY_US || (intendedLatencyUs ?? 0) > MAX_LATENCY_US) this.clamped++
  }

  private into(slot: Slot, latencyUs: number, intendedLatencyUs: number | undefined): void {
    const open = intendedLatencyUs !== undefined
    slot.record(open ? intendedLatencyUs : latencyUs, latencyUs, open)
  }

  /** Number of record() / recordFault() calls whose latency exceeded MAX_LATENCY_US and was clamped to it. */
  get clampedCount(): number {
    return this.clamped
  }

  /** Everything recorded since construction or reset(), for keys that have data. */
  snapshot(): CountsHistograms {
    const out = emptyCounts()
    for (const slot of this.slots) {
      if (slot.total !== null && slot.total.count > 0) slot.total.countsInto(out, slot.key)
    }
    return out
  }

  /** What was recorded since the previous takeInterval() (or reset()), for keys that have data; starts a new interval. */
  takeInterval(): CountsHistograms {
    const out = emptyCounts()
    for (const slot of this.slots) {
      const interval = slot.interval
      if (interval === null || interval.count === 0) continue
      interval.countsInto(out, slot.key)
      interval.reset()
    }
    return out
  }

  reset(): void {
    for (const slot of this.slots) {
      slot.total = null
      slot.interval = null
    }
    this.clamped = 0
  }
}
