// Figure 4 (critical path): where a lock handoff's time goes between two real node processes.
// A pingpong run (two node processes writing one page as fast as they can, as figure 7's) with
// CMM_HANDOFF_TRACE set: each node timestamps the steps it sees (src/node/handoff-trace.ts) on the
// clock the nodes of one host share. Each handoff: the requester sends its request (t0), the
// holder reads the callback (t1) and sends its demote with the write-back (t2), the requester
// reads the grant (t3) and its access completes (t4). Medians of each step, beside PING p50.
import {mkdtempSync, readFileSync, readdirSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {HANDOFF_TRACE_ENV, type HandoffRecord} from '../src/node/handoff-trace.js'
import {percentile, round, type BenchContext, type BenchRow} from './figure.js'
import {runMix} from './mix-runs.js'
import {startPinger} from './ping-child.js'

const SECONDS = 3

export interface Handoff {
  readonly request: number
  readonly callback: number
  readonly writeback: number
  readonly grant: number
  readonly done: number
}

/**
 * Pairs one requester's steps with the holder's: a grant on a unit after a request from the same
 * node, with the other node's callback and demote on that unit in between, and the requester's
 * next completed access after it. Grants with no callback in between (granted at once) are not
 * handoffs and are skipped.
 */
export function pairHandoffs(requester: readonly HandoffRecord[], holder: readonly HandoffRecord[]): Handoff[] {
  const out: Handoff[] = []
  const lastRequest = new Map<string, number>()
  let h = 0
  for (let i = 0; i < requester.length; i++) {
    const [step, unit, at] = requester[i]!
    if (step === 'request') {
      lastRequest.set(unit, at)
      continue
    }
    if (step !== 'grant') continue
    const t0 = lastRequest.get(unit)
    lastRequest.delete(unit)
    if (t0 === undefined) continue
    while (h < holder.length && holder[h]![2] < t0) h++
    let t1: number | null = null
    let t2: number | null = null
    for (let j = h; j < holder.length && holder[j]![2] <= at; j++) {
      const [hs, hu, ht] = holder[j]!
      if (hu !== unit) continue
      if (hs === 'callback' && t1 === null) t1 = ht
      else if (hs === 'writeback' && t1 !== null && t2 === null) t2 = ht
    }
    if (t1 === null || t2 === null) continue
    const done = requester.slice(i + 1).find(([s]) => s === 'done' || s === 'request')
    if (done === undefined || done[0] !== 'done') continue
    out.push({request: t0, callback: t1, writeback: t2, grant: at, done: done[2]})
  }
  return out
}

function readTrace(file: string): HandoffRecord[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as HandoffRecord)
}

export async function benchCriticalPath(ctx: BenchContext): Promise<BenchRow[]> {
  const figure = '4 critical path of a handoff between node processes'
  const dir = mkdtempSync(join(ctx.tmpDir, 'handoffs-'))
  const before = process.env[HANDOFF_TRACE_ENV]
  process.env[HANDOFF_TRACE_ENV] = dir
  let run
  // PING from a process of its own while the pingpong runs: the round trip on the machine as the run has it.
  const pinger = startPinger(ctx.redisUrl)
  let pings: number[]
  try {
    run = await runMix(ctx, {nodes: 2, read: 0, write: 100, files: {a: 1}, pages: 'uniform', seconds: SECONDS})
  } finally {
    pings = await pinger.stop()
    if (before === undefined) delete process.env[HANDOFF_TRACE_ENV]
    else process.env[HANDOFF_TRACE_ENV] = before
  }
  const files = readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort()
  if (files.length !== 2) throw new Error(`expected 2 handoff traces, found ${files.length}`)
  const [a, b] = files.map((f) => readTrace(join(dir, f)))
  rmSync(dir, {recursive: true, force: true})
  const handoffs = [...pairHandoffs(a!, b!), ...pairHandoffs(b!, a!)]
  if (handoffs.length === 0) throw new Error('no handoff found in the traces')
  const ping = ctx.baseline.pingP50
  const median = (f: (x: Handoff) => number) => percentile(handoffs.map(f), 50)
  const step = (metric: string, f: (x: Handoff) => number): BenchRow => {
    const v = median(f)
    return {figure, metric, value: round(v, 1), unit: 'µs', ratio: round(v / ping), vs: `PING p50 (${round(ping, 1)} µs)`}
  }
  const afterCallback = run.latency('fault:after-callback').p50
  const loadedPing = percentile(pings, 50)
  return [
    {figure, metric: 'handoffs traced (pingpong, 2 node processes, 3 s)', value: handoffs.length, unit: 'handoffs'},
    {figure, metric: 'PING p50 during the pingpong (from a process of its own, every 2 ms)', value: round(loadedPing, 1), unit: `µs (${pings.length} samples)`, ratio: round(loadedPing / ping), vs: `PING p50 of figure 1 (${round(ping, 1)} µs)`},
    step('request sent -> callback read by the holder (median)', (x) => x.callback - x.request),
    step('callback read -> demote + write-back sent (median)', (x) => x.writeback - x.callback),
    step('demote sent -> grant read by the requester (median)', (x) => x.grant - x.writeback),
    step('grant read -> access done (median)', (x) => x.done - x.grant),
    step('request sent -> access done (median)', (x) => x.done - x.request),
    {figure, metric: 'pingpong after-callback fault p50 (histogram)', value: afterCallback, unit: 'µs', ratio: round(afterCallback / ping), vs: `PING p50 of figure 1 (${round(ping, 1)} µs)`},
    // The target's baseline is the round trip the machine gave meanwhile, as figure 4's handoff
    // interleaves its PINGs: figure 1's tight-loop PING swings between runs here (12 us when Redis
    // and the bench share a CPU, ~75 us across CPUs), and the ratio with it.
    {figure, metric: 'pingpong after-callback fault p50 / PING p50 during the pingpong', value: afterCallback, unit: 'µs', ratio: round(afterCallback / loadedPing), vs: `PING p50 during the pingpong (${round(loadedPing, 1)} µs)`, target: '<= 10', met: afterCallback / loadedPing <= 10},
  ]
}
