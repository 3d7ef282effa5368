// Every violation of a stored run placed on its unit, nodes and times, with the records that show
// it, and the cause found in the records before the symptom the checker reported: a mapping that
// outlived its lock before the conflicting mappings it made, a release that dropped a dirty page
// before the lost write, a read served without a lock before the unplaceable read, two upgrades
// queued at once (a conversion deadlock) before the stuck run.
import type {HistoryEntry, LockEntry, TraceEntry} from '../records/history.js'
import type {CoherenceViolation, HoldSegment, Mapping} from './run/coherence.js'
import type {LivenessViolation} from './run/liveness.js'
import {holdSegments} from './run/coherence.js'
import type {LocatedViolation} from '../records/violation.js'
import {nodeOfProcess, nsToMs, unitOfKey, type RunRecords} from './run-records.js'

/** Cause kinds first, then symptoms; within each, by time. */
export function locateViolations(r: RunRecords): LocatedViolation[] {
  const ctx = new Context(r)
  const checks = r.summary.checks.checks
  const found: LocatedViolation[] = []
  for (const v of (checks.coherence?.violations ?? []) as CoherenceViolation[]) found.push(coherence(ctx, v))
  for (const v of (checks.linearizable?.violations ?? []) as LinearViolation[]) found.push(...linearizable(ctx, v))
  for (const v of (checks['no-lost-writes']?.violations ?? []) as LostWrite[]) found.push(...lostWrite(ctx, v))
  for (const v of (checks.liveness?.violations ?? []) as LivenessViolation[]) found.push(...liveness(ctx, v))
  for (const v of (checks.deadlock?.violations ?? []) as {cycle: string; victim: number}[]) found.push(deadlock(ctx, v))
  return found.sort((a, b) => Number(b.cause) - Number(a.cause) || a.from - b.from)
}

interface LinearViolation {
  readonly key: string
  readonly blocked: {readonly process: number; readonly f: string; readonly value: string | null; readonly invokeLine: number; readonly completeLine: number | null}
  readonly valueAfterPrefix?: string | null
  readonly prefixLength?: number
}

interface LostWrite {
  readonly key: string
  readonly disk: string | null
  readonly expected: readonly string[]
  readonly lastWrites: readonly {readonly process: number; readonly value: string; readonly invoke: number; readonly complete: number | null}[]
}

/** What the locators look up: lines of records, holds, the end of the run. */
class Context {
  readonly nodes: number
  readonly granularity: string
  readonly endMs: number
  readonly holds: HoldSegment[]
  constructor(readonly r: RunRecords) {
    this.nodes = r.summary.settings.nodes
    this.granularity = r.summary.settings.granularity
    this.endMs = r.summary.durationMs
    this.holds = holdSegments(r.locks)
  }
  ms(ns: number | null | undefined): number {
    return ns === null || ns === undefined || !Number.isFinite(ns) ? this.endMs : nsToMs(ns)
  }
  unit(key: string): string {
    return unitOfKey(key, this.granularity)
  }
  node(proc: number): number {
    return nodeOfProcess(proc, this.nodes)
  }
  /** `trace.jsonl:N` of the PTE change that made mapping `m`. */
  traceLine(m: Mapping): string {
    const i = this.r.trace.findIndex((t: TraceEntry) => t.node === m.node && t.key === m.key && t.time === m.start)
    return i < 0 ? 'trace.jsonl' : `trace.jsonl:${i + 1}`
  }
  /** `locks.jsonl:N` of the first entry of (node, unit) at `timeNs`. */
  lockLine(node: number, unit: string, timeNs: number): string {
    const i = this.r.locks.findIndex((l: LockEntry) => l.node === node && l.unit === unit && l.time === timeNs)
    return i < 0 ? 'locks.jsonl' : `locks.jsonl:${i + 1}`
  }
  /** `history.jsonl:N` of `proc`'s invoke at `timeNs`. */
  historyLine(proc: number, timeNs: number): string {
    const i = this.r.history.findIndex((e) => e.process === proc && e.time === timeNs && e.type === 'invoke')
    return i < 0 ? 'history.jsonl' : `history.jsonl:${i + 1}`
  }
  historyTime(line: number | null): number | null {
    if (line === null) return null
    const e: HistoryEntry | undefined = this.r.history[line - 1]
    return e === undefined ? null : e.time
  }
  /** Whether `proc` had `key` mapped (RO or RW) at `ns`. */
  mappedAt(proc: number, key: string, ns: number): boolean {
    let pte = 'none'
    for (const t of this.r.trace) {
      if (t.time > ns) break
      if (t.node === proc && t.key === key) pte = t.to
    }
    return pte !== 'none'
  }
  /** The holds `node` had on `unit` that overlap [fromNs, toNs]. */
  holdsDuring(node: number, unit: string, fromNs: number, toNs: number): HoldSegment[] {
    return this.holds.filter((h) => h.node === node && h.unit === unit && h.start <= toNs && h.end >= fromNs)
  }
}

function coherence(ctx: Context, v: CoherenceViolation): LocatedViolation {
  const base = {check: 'coherence', kind: v.kind}
  switch (v.kind) {
    case 'conflicting-holds': {
      const [a, b] = v.holds
      return {
        ...base, cause: true, unit: v.unit, nodes: [ctx.node(a.node), ctx.node(b.node)], from: ctx.ms(Math.max(a.start, b.start)), to: ctx.ms(Math.min(a.end ?? Infinity, b.end ?? Infinity)),
        text: `node ${a.node} held ${a.mode} seq ${a.seq} while node ${b.node} was granted ${b.mode} seq ${b.seq}: a grant before the holder gave the lock up`,
        records: [ctx.lockLine(a.node, v.unit, a.start), ctx.lockLine(b.node, v.unit, b.start)],
      }
    }
    case 'conflicting-mappings': {
      const [a, b] = v.mappings
      return {
        ...base, cause: false, unit: a.unit, nodes: [ctx.node(a.node), ctx.node(b.node)], from: ctx.ms(Math.max(a.start, b.start)), to: ctx.ms(Math.min(a.end ?? Infinity, b.end ?? Infinity)),
        text: `page ${v.key}: node ${a.node} mapped ${a.pte} while node ${b.node} mapped ${b.pte}`,
        records: [ctx.traceLine(a), ctx.traceLine(b)],
      }
    }
    case 'mapping-outlives-lock': {
      const m = v.mapping
      return {
        ...base, cause: true, unit: m.unit, nodes: [ctx.node(m.node)], from: ctx.ms(v.lockEnd), to: ctx.ms(m.end),
        text: `page ${m.key}: node ${m.node} kept its ${m.pte} mapping (seq ${m.seq}) after its lock ended at ${ctx.ms(v.lockEnd)}ms (the release did not unmap it)`,
        records: [ctx.traceLine(m), ctx.lockLine(m.node, m.unit, v.lockEnd)],
      }
    }
    case 'mapping-without-lock': {
      const m = v.mapping
      return {
        ...base, cause: true, unit: m.unit, nodes: [ctx.node(m.node)], from: ctx.ms(m.start), to: ctx.ms(m.end),
        text: `page ${m.key}: node ${m.node} mapped ${m.pte} under seq ${m.seq}, which it did not hold${m.pte === 'RW' ? ' EX' : ''}`,
        records: [ctx.traceLine(m)],
      }
    }
  }
}

function linearizable(ctx: Context, v: LinearViolation): LocatedViolation[] {
  const b = v.blocked
  const node = ctx.node(b.process)
  const unit = ctx.unit(v.key)
  const invokeNs = ctx.historyTime(b.invokeLine) ?? 0
  const completeNs = ctx.historyTime(b.completeLine)
  const lines = `history.jsonl:${b.invokeLine}${b.completeLine === null ? '' : `-${b.completeLine}`}`
  const symptom: LocatedViolation = {
    check: 'linearizable', kind: `unplaceable-${b.f}`, cause: false, unit, nodes: [node], from: ctx.ms(invokeNs), to: ctx.ms(completeNs),
    text: `page ${v.key}: process ${b.process} ${b.f} ${JSON.stringify(b.value)} cannot be placed after the longest linearizable prefix (${v.prefixLength ?? '?'} ops; the page then holds ${JSON.stringify(v.valueAfterPrefix ?? null)})`,
    records: [lines],
  }
  // A read that completed while its node held no lock on the unit: through a mapping that outlived
  // its lock (a symptom of that), or served from the cache without asking the manager (a cause).
  if (b.f !== 'read' || ctx.holdsDuring(b.process, unit, invokeNs, completeNs ?? invokeNs).length > 0) return [symptom]
  const mapped = ctx.mappedAt(b.process, v.key, invokeNs)
  return [{
    check: 'linearizable', kind: mapped ? 'read-through-stale-mapping' : 'read-without-lock', cause: !mapped, unit, nodes: [node], from: ctx.ms(invokeNs), to: ctx.ms(completeNs),
    text: mapped
      ? `node ${node} read page ${v.key} through a mapping it kept after its lock on ${unit} ended`
      : `node ${node} read page ${v.key} while it held no lock on ${unit} (served from its cache without asking the manager)`,
    records: [lines, 'locks.jsonl'],
  }, symptom]
}

function lostWrite(ctx: Context, v: LostWrite): LocatedViolation[] {
  const unit = ctx.unit(v.key)
  const writers = v.lastWrites.map((w) => ctx.node(w.process))
  const last = v.lastWrites[0]
  const from = ctx.ms(last?.complete ?? last?.invoke ?? 0)
  const symptom: LocatedViolation = {
    check: 'no-lost-writes', kind: 'lost-write', cause: false, unit, nodes: writers, from, to: ctx.endMs,
    text: `page ${v.key} holds ${JSON.stringify(v.disk)} on disk, its last write was ${v.expected.map((e) => JSON.stringify(e)).join(' or ')}`,
    records: ['final.json', last === undefined ? 'history.jsonl' : ctx.historyLine(last.process, last.invoke)],
  }
  const dropped = last === undefined ? null : droppedWriteback(ctx, last.process, unit, last.complete ?? last.invoke)
  return dropped === null ? [symptom] : [dropped, symptom]
}

/** The first demote of `proc` on `unit` after its write that carried no page back, when nothing else wrote it back before. */
function droppedWriteback(ctx: Context, proc: number, unit: string, afterNs: number): LocatedViolation | null {
  const reqs = ctx.r.requests
  for (let i = 0; i < reqs.length; i++) {
    const q = reqs[i]!
    if (q.node !== proc || q.unit !== unit || q.time < afterNs || q.event !== 'request') continue
    if ((q.request === 'writeback' || q.request === 'demote') && (q.pages ?? 0) > 0) return null
    if (q.request !== 'demote') continue
    return {
      check: 'no-lost-writes', kind: 'writeback-dropped', cause: true, unit, nodes: [ctx.node(proc)], from: nsToMs(q.time), to: nsToMs(q.time),
      text: `node ${ctx.node(proc)} gave ${unit} up (demote to ${q.mode ?? 'UN'}) carrying no page back after writing it`,
      records: [`requests.jsonl:${i + 1}`],
    }
  }
  return null
}

function liveness(ctx: Context, v: LivenessViolation): LocatedViolation[] {
  if (v.kind !== 'stuck') {
    const from = ctx.ms(v.invoke)
    const to = v.kind === 'slow-op' ? from + v.tookMs : ctx.endMs
    return [{check: 'liveness', kind: v.kind, cause: false, unit: ctx.unit(v.key), nodes: [ctx.node(v.process)], from, to, text: `process ${v.process} ${v.f} ${v.key} ${v.kind === 'slow-op' ? `took ${v.tookMs.toFixed(0)}ms` : 'never completed'}`, records: ['history.jsonl']}]
  }
  const waits = v.waits.flatMap((w) => {
    const m = /^node (\d+) unit (\S+): (.*)$/.exec(w)
    return m ? [{node: Number(m[1]), unit: m[2]!, text: m[3]!}] : []
  })
  const units = [...new Set(waits.map((w) => w.unit))]
  const found: LocatedViolation[] = []
  for (const unit of units) {
    const upgrading = waits.filter((w) => w.unit === unit && /upgrade in flight/.test(w.text)).map((w) => w.node)
    const on = waits.filter((w) => w.unit === unit).map((w) => w.node)
    const since = lastRequestMs(ctx, unit, on)
    if (upgrading.length >= 2) {
      found.push({
        check: 'liveness', kind: 'conversion-deadlock', cause: true, unit, nodes: upgrading, from: since, to: ctx.endMs,
        text: `conversion deadlock on ${unit}: nodes ${upgrading.join(' and ')} each hold SH and wait to upgrade to EX; neither upgrade was refused, so neither gives its SH up`,
        records: ['requests.jsonl', 'final.json'],
      })
    }
    found.push({check: 'liveness', kind: 'stuck', cause: false, unit, nodes: on, from: since, to: ctx.endMs, text: waits.filter((w) => w.unit === unit).map((w) => `node ${w.node}: ${w.text}`).join('; '), records: ['final.json']})
  }
  return found
}

/** When the last of these nodes' requests on `unit` was sent (the start of the wait that never ended). */
function lastRequestMs(ctx: Context, unit: string, nodes: readonly number[]): number {
  let t = 0
  for (const q of ctx.r.requests) if (q.unit === unit && q.event === 'request' && nodes.includes(ctx.node(q.node))) t = q.time
  return nsToMs(t)
}

function deadlock(ctx: Context, v: {cycle: string; victim: number}): LocatedViolation {
  const unit = /waits for (\S+)/.exec(v.cycle)?.[1] ?? ''
  const nodes = [...new Set([...v.cycle.matchAll(/node (\d+)/g)].map((m) => ctx.node(Number(m[1]))))]
  const record = ctx.r.events.find((e) => e.type === 'deadlock' && e.text === v.cycle)
  const at = record?.timeMs ?? 0
  return {check: 'deadlock', kind: 'lock-order-cycle', cause: true, unit, nodes, from: at, to: at, text: v.cycle, records: ['events.jsonl']}
}
