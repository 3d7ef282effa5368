// Figure 5: total ops/s of a zipf read/write mix at 1, 2, 4, 8 node processes, with page locks
// and with file locks (every op on a file contends on one lock).
import {round, type BenchContext, type BenchRow} from './figure.js'
import {runMix, type MixResult, type MixSpec} from './mix-runs.js'

export const SCALING_NODES = [1, 2, 4, 8] as const
export const SECONDS = 3
/** The mix of figures 5 and 6 (no copies: the lock-library baseline has no copy). */
export const ZIPF_MIX = {read: 70, write: 30, pages: 'zipf'} as const
/** Figures 6 and 7: the read-mostly mix, where a node's cached SH locks serve most accesses. */
export const READ_MOSTLY_MIX = {read: 95, write: 5, pages: 'zipf'} as const

/** ops/s of READ_MOSTLY_MIX at 4 nodes, SH+EX, page locks: measured by figure 6, reused by figure 7. */
export const READ_MOSTLY_KEY = 'read-mostly:4'

/** ops/s of the page-granularity zipf mix at 4 nodes (shared with figure 6), and READ_MOSTLY_KEY. */
export const measured = new Map<string, number>()
/** The runs behind `measured` (figure 6 also needs their CPU per op). */
export const measuredRuns = new Map<string, MixResult>()

export async function benchScaling(ctx: BenchContext): Promise<BenchRow[]> {
  const figure = '5 throughput and scaling'
  const rows: BenchRow[] = []
  for (const granularity of ['page', 'file'] as const) {
    let one = 0
    for (const nodes of SCALING_NODES) {
      const spec: MixSpec = {...ZIPF_MIX, nodes, granularity, seconds: SECONDS}
      const r = await runMix(ctx, spec)
      if (nodes === 1) one = r.opsPerSec
      measured.set(`${granularity}:${nodes}`, r.opsPerSec)
      measuredRuns.set(`${granularity}:${nodes}`, r)
      rows.push({
        figure, metric: `zipf 70/30, ${granularity} locks, ${nodes} node${nodes > 1 ? 's' : ''}`, value: Math.round(r.opsPerSec), unit: 'ops/s',
        ratio: round(r.opsPerSec / one), vs: '1 node',
      })
      rows.push({figure, metric: `  same: Redis round trips per op / write p99`, value: round(r.roundTripsPerOp, 3), unit: `rt/op, p99 ${r.latency('op:write').p99} µs`})
    }
  }
  return rows
}
