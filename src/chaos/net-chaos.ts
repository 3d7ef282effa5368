// The supervisor's side of network and clock faults (issue 14): partitions and delays are set on
// the run's fault proxies, a clock skew is a control message to the node (its protocol clock
// runs skewed from then on). A fault with `for` ends by itself; a later fault of the same kind
// on the same node replaces it (and its end). Every step goes to events.jsonl: `partition` ...
// `heal`, `delay` ... `delay-end`, `skew` ... `skew-end` (the report shades those windows).
import type {EventLog} from '../results/events.js'
import type {NetworkFaults} from '../net/faults.js'
import type {ChaosOutcome, ChaosRequest, HealWhat} from './requests.js'

/** Fault kinds of the summary's recovery table. */
export type FaultKind = 'kill' | 'pause' | 'partition' | 'partition-to-redis' | 'partition-from-redis' | 'delay' | 'skew'

export interface NetChaosContext {
  /** The run's fault proxies; null when the run was started without them. */
  readonly net: NetworkFaults | null
  readonly events: EventLog
  readonly nodes: number
  /** The node's current process id, or null when it has no running process. */
  readonly running: (node: number) => number | null
  readonly sendSkew: (node: number, offsetUs: number, rate: number) => Promise<void>
  /** The fault began now for this process (recovery is measured from here). */
  readonly noteFault: (proc: number, kind: FaultKind) => void
  /** The node's fault ended (a death after a grace period is no longer its doing). */
  readonly noteFaultEnd: (node: number) => void
  readonly later: (ms: number, fn: () => void) => void
}

type Kind = 'partition' | 'delay' | 'skew'

const END_EVENT: Record<Kind, string> = {partition: 'heal', delay: 'delay-end', skew: 'skew-end'}

export class NetChaos {
  /** Per node and kind: the fault now in force (its token), so an old `for` does not end a newer fault. */
  private readonly active = new Map<string, number>()
  private tokens = 0

  constructor(private readonly c: NetChaosContext) {}

  /** For the live view: a node cut off, or slowed. */
  stateOf(node: number): 'partitioned' | 'delayed' | null {
    if (this.c.net === null || node >= this.c.net.nodes) return null
    const link = this.c.net.linkOf(node)
    return link.partition !== null ? 'partitioned' : link.delayMs > 0 || link.jitterMs > 0 ? 'delayed' : null
  }

  async apply(req: ChaosRequest): Promise<ChaosOutcome> {
    const targets = req.node === -1 ? Array.from({length: this.c.nodes}, (_, k) => k) : [req.node]
    if (req.signal === 'HEAL') return this.heal(targets, req.heal ?? 'all', req.from)
    const kind: Kind = req.signal === 'PARTITION' ? 'partition' : req.signal === 'DELAY' ? 'delay' : 'skew'
    if (kind !== 'skew' && this.c.net === null) return {applied: false, reason: 'the run has no fault proxies: start it with --network-faults (or a network fault in its chaos:)'}
    const applied: number[] = []
    const refused: string[] = []
    for (const node of targets) {
      const proc = this.c.running(node)
      if (proc === null) {
        refused.push(`node ${node} is not running`)
        continue
      }
      await this.start(kind, node, proc, req)
      applied.push(node)
    }
    if (applied.length === 0) return {applied: false, reason: refused.join('; ')}
    return {applied: true, detail: `${describe(kind, req)} on node${applied.length > 1 ? 's' : ''} ${applied.join(', ')}`}
  }

  private async start(kind: Kind, node: number, proc: number, req: ChaosRequest): Promise<void> {
    const forMs = req.forMs ?? null
    const common = {node, proc, from: req.from, forMs}
    if (kind === 'partition') {
      const direction = req.direction ?? 'both'
      this.c.net!.partition(node, direction)
      this.c.noteFault(proc, direction === 'both' ? 'partition' : `partition-${direction}`)
      this.c.events.write('partition', {...common, direction})
    } else if (kind === 'delay') {
      this.c.net!.delay(node, req.delayMs ?? 0, req.jitterMs ?? 0)
      this.c.noteFault(proc, 'delay')
      this.c.events.write('delay', {...common, delayMs: req.delayMs ?? 0, jitterMs: req.jitterMs ?? 0})
    } else {
      const offsetMs = req.offsetMs ?? 0
      const rate = req.rate ?? 1
      await this.c.sendSkew(node, offsetMs * 1000, rate)
      this.c.noteFault(proc, 'skew')
      this.c.events.write('skew', {...common, offsetMs, rate})
    }
    const token = ++this.tokens
    this.active.set(`${kind}:${node}`, token)
    if (forMs !== null) {
      this.c.later(forMs, () => {
        if (this.active.get(`${kind}:${node}`) === token) void this.end(kind, node, `${kind} for ${forMs} ms is over`)
      })
    }
  }

  private async heal(targets: readonly number[], what: HealWhat, from: string): Promise<ChaosOutcome> {
    const ended: string[] = []
    for (const node of targets) {
      for (const kind of ['partition', 'delay', 'skew'] as const) {
        if ((what === 'all' || what === kind) && this.active.has(`${kind}:${node}`)) {
          await this.end(kind, node, from)
          ended.push(`${kind} of node ${node}`)
        }
      }
    }
    if (ended.length === 0) return {applied: false, reason: `nothing to heal on ${targets.length === 1 ? `node ${targets[0]}` : 'any node'}`}
    return {applied: true, detail: `healed ${ended.join(', ')}`}
  }

  private async end(kind: Kind, node: number, why: string): Promise<void> {
    this.active.delete(`${kind}:${node}`)
    if (kind === 'skew') await this.c.sendSkew(node, 0, 1).catch(() => {})
    else this.c.net?.heal(node, kind)
    this.c.noteFaultEnd(node)
    this.c.events.write(END_EVENT[kind], {node, why})
  }

  /** The run ends: every fault ends with it (held bytes go through, so the nodes can stop cleanly). */
  async healAll(): Promise<void> {
    for (const key of [...this.active.keys()]) {
      const [kind, node] = key.split(':') as [Kind, string]
      await this.end(kind, Number(node), 'the run ended')
    }
  }
}

function describe(kind: Kind, req: ChaosRequest): string {
  const until = req.forMs == null ? '' : ` for ${req.forMs} ms`
  if (kind === 'partition') return `partition (${req.direction ?? 'both'})${until}`
  if (kind === 'delay') return `delay ${req.delayMs ?? 0} ms +- ${req.jitterMs ?? 0} ms${until}`
  return `clock skew ${req.offsetMs ?? 0} ms, rate ${req.rate ?? 1}${until}`
}
