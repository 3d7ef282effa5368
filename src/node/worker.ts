// Plays one node's op stream through the runtime: the "application" that faults on its
// mappings. Records the history (one invoke/ok pair per page access) and latencies.
import {decodeStamp, encodeStamp} from '../protocol/page-data.js'
import {pageKey, type PageRef, type ProtocolSettings, type UnitId} from '../protocol/types.js'
import {CopyPlan, type CopyResult, type CopyStrategy} from '../protocol/copy-plan.js'
import type {Op, OpStream} from '../workload/types.js'
import type {LatencyRecorder} from '../metrics/recorder.js'
import type {HistoryEntry} from '../records/history.js'
import type {NodeCounters} from '../records/counters.js'
import {LockAbandonedError, type NodeRuntime} from './runtime.js'

export interface WorkerContext {
  readonly node: number
  readonly settings: ProtocolSettings
  readonly runtime: NodeRuntime
  readonly stream: OpStream
  readonly recorder: LatencyRecorder
  readonly counters: NodeCounters
  /** Microseconds on the clock shared with the other nodes (wall clock). */
  readonly clock: () => number
  /** When the workload started, on `clock`. */
  readonly startUs: number
  /** Receives history entries (time already relative to the run start, in ns). */
  readonly onHistory: (entry: HistoryEntry) => void
  readonly shouldStop: () => boolean
  /** How copies take their locks (default `ordered`). */
  readonly copyStrategy?: CopyStrategy
  /** Numbers in [0, 1) that spread retry backoffs (seeded, so a run replays). */
  readonly jitter?: () => number
  /** The op being played (null between ops), for deadlock and stuck reports. */
  readonly onOp?: (op: Op | null) => void
  /** While true no new op starts (the lock daemon keeps serving callbacks); open-loop schedules shift by the pause. */
  readonly paused?: () => boolean
  /**
   * Latencies are recorded from this instant on `clock` (the end of `--warmup`; absent: from the
   * start). An op or access started before it is played, recorded in the history and checked like
   * any other, but timed by no histogram (counted in `untimedOps`, `untimedAccesses`): its latency
   * would measure V8 compiling cmm's code, not the protocol.
   */
  readonly timedFromUs?: number
}

const PAUSE_POLL_MS = 20

/**
 * Cache hits complete in microtasks, which never let the event loop read the inbox: without a
 * yield the lock daemon (callbacks) would starve until the node's whole workload is done. A real
 * daemon runs beside the application, so yield at least this often. 200 us put up to that much
 * of cmm's scheduling into every callback a busy holder served: at 50 the pingpong's
 * after-callback p50 fell from 1.38-1.89 ms to 1.15-1.22 ms, for ~7 % fewer hits per second in a
 * loop of nothing but hits and no change on the zipf mixes (BENCHMARKS.md, issue 12).
 */
const YIELD_EVERY_US = 50

/** Plays the stream to its end (or a stop); ops done are counted in `ctx.counters.ops`. */
export async function runWorker(ctx: WorkerContext): Promise<void> {
  let writes = 0
  const stampOf = () => `n${ctx.node}:${++writes}`
  let lastYield = ctx.clock()
  let pausedUs = 0
  for (;;) {
    if (ctx.clock() - lastYield >= YIELD_EVERY_US) {
      await new Promise((r) => setImmediate(r))
      lastYield = ctx.clock()
    }
    const paused = ctx.paused
    if (paused?.() === true) {
      const from = ctx.clock()
      while (paused() && !ctx.shouldStop()) await new Promise((r) => setTimeout(r, PAUSE_POLL_MS))
      // A pause is not coordinated omission: ops due during it are due that much later.
      pausedUs += ctx.clock() - from
      lastYield = ctx.clock()
    }
    if (ctx.shouldStop()) break
    const elapsed = ctx.clock() - ctx.startUs - pausedUs
    const next = ctx.stream.next(elapsed)
    if (next === null) break
    let intendedStart: number | null = null
    if (next.intendedUs !== null) {
      intendedStart = ctx.startUs + pausedUs + next.intendedUs
      const wait = intendedStart - ctx.clock()
      if (wait > 0) await sleepUs(wait)
    }
    const start = ctx.clock()
    const timing: OpTiming = {intendedStart, timed: timed(ctx, start)}
    ctx.onOp?.(next.op)
    try {
      await perform(ctx, next.op, stampOf, timing)
    } catch (error) {
      if (!(error instanceof LockAbandonedError)) throw error
      // The op ends with an error result (its wait broke a deadlock); the run goes on.
      ctx.onOp?.(null)
      ctx.counters.opsFailed++
      ctx.counters.ops++
      continue
    }
    ctx.onOp?.(null)
    const end = ctx.clock()
    if (next.op.f !== 'sleep') {
      if (timing.timed) ctx.recorder.record(next.op.f, null, end - start, intendedStart === null ? undefined : end - intendedStart)
      else ctx.counters.untimedOps++
      ctx.counters.ops++
    }
  }
}

type Access = Awaited<ReturnType<NodeRuntime['access']>>

/**
 * What an op's accesses need to know of it: an open-loop op's intended start (its read or write
 * access is corrected from it), and whether it is timed at all. Decided once, at the op's start:
 * an op started in the warm-up keeps all its accesses out of the histograms too, even one that
 * begins after the warm-up's end (it was counted as timed, one access in untimedOps' share too few).
 */
interface OpTiming {
  readonly intendedStart: number | null
  readonly timed: boolean
}

async function perform(ctx: WorkerContext, op: Op, stampOf: () => string, timing: OpTiming): Promise<void> {
  switch (op.f) {
    case 'read':
      return read(ctx, op.page, timing)
    case 'write': {
      const stamp = stampOf()
      return write(ctx, op.page, stamp, encodeStamp(stamp, ctx.settings.pageSize), timing)
    }
    case 'copy':
      return copy(ctx, op.from, op.to, op.pages, timing.timed)
    case 'msync':
      return msync(ctx, op.file)
    case 'sleep':
      return sleepUs(op.us)
  }
}

/**
 * One page access, its latency recorded under its fault class. Every access the runtime counts
 * in `counters.faults` goes through here (copies' reads, writes and fault-ins included), so the
 * fault histograms hold exactly as many samples as the fault counters say, less the accesses of
 * the warm-up's ops (`untimedAccesses`): one source of counts.
 */
async function timedAccess(ctx: WorkerContext, page: PageRef, mode: 'read' | 'write', data: Uint8Array | null, timing: OpTiming): Promise<Access> {
  const start = ctx.clock()
  const res = await ctx.runtime.access(page, mode, data)
  const end = ctx.clock()
  const {intendedStart} = timing
  if (timing.timed) ctx.recorder.recordFault(res.fault, end - start, intendedStart === null ? undefined : end - intendedStart)
  else ctx.counters.untimedAccesses++
  return res
}

/** Whether what started at `start` is past the warm-up (WorkerContext.timedFromUs). */
function timed(ctx: WorkerContext, start: number): boolean {
  return ctx.timedFromUs === undefined || start >= ctx.timedFromUs
}

function historyTime(ctx: WorkerContext): number {
  return (ctx.clock() - ctx.startUs) * 1000
}

function entry(ctx: WorkerContext, type: HistoryEntry['type'], f: HistoryEntry['f'], key: string, value: string | null): HistoryEntry {
  return {index: -1, time: historyTime(ctx), process: ctx.node, type, f, key, value}
}

async function read(ctx: WorkerContext, page: PageRef, timing: OpTiming): Promise<void> {
  const key = pageKey(page)
  ctx.onHistory(entry(ctx, 'invoke', 'read', key, null))
  const res = await failAs(ctx, 'read', key, null, timedAccess(ctx, page, 'read', null, timing))
  ctx.onHistory(entry(ctx, 'ok', 'read', key, decodeStamp(res.data)))
}

async function write(ctx: WorkerContext, page: PageRef, stamp: string | null, data: Uint8Array, timing: OpTiming): Promise<void> {
  const key = pageKey(page)
  ctx.onHistory(entry(ctx, 'invoke', 'write', key, stamp))
  await failAs(ctx, 'write', key, stamp, timedAccess(ctx, page, 'write', data, timing))
  ctx.onHistory(entry(ctx, 'ok', 'write', key, stamp))
}

/**
 * write() into `to` from a buffer that is an mmap of `from`, taking its locks the way the run's
 * copy strategy says (src/protocol/copy-plan.ts: naive, ordered, retry). If a wait is abandoned
 * to break a deadlock, every pin the copy holds is released and the error propagates.
 */
async function copy(ctx: WorkerContext, from: PageRef, to: PageRef, pages: number, timed: boolean): Promise<void> {
  // A copy's accesses are closed-loop (no intended start); timed or not as the copy is.
  const timing: OpTiming = {intendedStart: null, timed}
  const plan = new CopyPlan({from, to, pages}, ctx.copyStrategy ?? 'ordered', ctx.settings, ctx.jitter)
  const read: Uint8Array[] = []
  let action = plan.next(null)
  try {
    for (;;) {
      let result: CopyResult = OK
      switch (action.type) {
        case 'pin':
          if (action.try) {
            if ((await ctx.runtime.tryPin(action.unit, action.mode, action.page)) === 'busy') result = BUSY
          } else await ctx.runtime.pin(action.unit, action.mode, action.page)
          break
        case 'unpin':
          ctx.runtime.unpin(action.unit)
          break
        case 'read': {
          const key = pageKey(action.page)
          ctx.onHistory(entry(ctx, 'invoke', 'read', key, null))
          const got = await failAs(ctx, 'read', key, null, timedAccess(ctx, action.page, 'read', null, timing))
          read[action.index] = got.data
          ctx.onHistory(entry(ctx, 'ok', 'read', key, decodeStamp(got.data)))
          break
        }
        case 'write': {
          const data = read[action.index]
          if (data === undefined) throw new Error(`copy: write of page ${action.index} before its read`)
          await write(ctx, action.page, decodeStamp(data), data, timing)
          break
        }
        case 'fault-in':
          await timedAccess(ctx, action.page, 'read', null, timing)
          break
        case 'backoff':
          await sleepUs(action.us)
          break
        case 'done':
          ctx.counters.copyRetries += action.retries
          if (action.fellBack) ctx.counters.copyFallbacks++
          return
      }
      action = plan.next(result)
    }
  } catch (error) {
    ctx.counters.copyRetries += plan.retries
    for (const unit of [...plan.pinned].reverse()) ctx.runtime.unpin(unit)
    throw error
  }
}

const OK: CopyResult = {type: 'ok'}
const BUSY: CopyResult = {type: 'busy'}

/** An access whose wait was abandoned (deadlock broken) did not happen: history says `fail`. */
async function failAs<T>(ctx: WorkerContext, f: HistoryEntry['f'], key: string, value: string | null, p: Promise<T>): Promise<T> {
  try {
    return await p
  } catch (error) {
    if (error instanceof LockAbandonedError) ctx.onHistory(entry(ctx, 'fail', f, key, value))
    throw error
  }
}

async function msync(ctx: WorkerContext, file: string): Promise<void> {
  const units = ctx.runtime.core.snapshot().filter((u) => u.mode === 'EX' && belongsTo(u.unit, file))
  for (const u of units) await ctx.runtime.sync(u.unit)
}

function belongsTo(unit: UnitId, file: string): boolean {
  return unit === file || unit.startsWith(`${file}/`)
}

export function sleepUs(us: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.round(us / 1000))))
}
