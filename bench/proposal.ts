// Figure 7: the proposal's questions, each answered by two or three real runs that differ in
// one setting only (same seed, same op streams).
import {round, type BenchContext, type BenchRow} from './figure.js'
import {runMix} from './mix-runs.js'
import {measured, READ_MOSTLY_KEY, READ_MOSTLY_MIX, SECONDS} from './throughput.js'

export async function benchProposal(ctx: BenchContext): Promise<BenchRow[]> {
  const figure = '7 proposal questions'
  const rows: BenchRow[] = []

  // Shared vs exclusive-only: "shared should simply give increased performance". By how much?
  const readMostly = {...READ_MOSTLY_MIX, nodes: 4, seconds: SECONDS} as const
  const shared = measured.get(READ_MOSTLY_KEY) ?? (await runMix(ctx, {...readMostly, states: 'shared'})).opsPerSec
  const exclusive = await runMix(ctx, {...readMostly, states: 'exclusive'})
  rows.push({figure, metric: 'read-mostly 95/5, 4 nodes: SH+EX', value: Math.round(shared), unit: 'ops/s', ratio: round(shared / exclusive.opsPerSec), vs: 'exclusive-only'})
  rows.push({figure, metric: 'read-mostly 95/5, 4 nodes: exclusive-only', value: Math.round(exclusive.opsPerSec), unit: 'ops/s'})

  // Downgrade by write-protect (keep the RO mappings) vs unmap (refault every page).
  const downgradeMix = {nodes: 4, read: 80, write: 20, pages: 'zipf', granularity: 'file', seconds: SECONDS} as const
  const wp = await runMix(ctx, {...downgradeMix, downgrade: 'write-protect'})
  const unmap = await runMix(ctx, {...downgradeMix, downgrade: 'unmap'})
  rows.push({figure, metric: 'downgrade write-protect, 80/20 file locks, 4 nodes', value: Math.round(wp.opsPerSec), unit: 'ops/s', ratio: round(wp.opsPerSec / unmap.opsPerSec), vs: 'unmap'})
  rows.push({figure, metric: 'downgrade unmap, same mix', value: Math.round(unmap.opsPerSec), unit: 'ops/s'})

  // Minimum hold time on pingpong (two nodes writing one page as fast as they can).
  for (const holdTime of ['0ms', '10ms', '200ms']) {
    const r = await runMix(ctx, {nodes: 2, read: 0, write: 100, files: {a: 1}, pages: 'uniform', holdTime, seconds: SECONDS})
    const w = r.latency('op:write')
    rows.push({figure, metric: `pingpong, hold time ${holdTime}: handoffs/s`, value: Math.round(r.callbacksPerSec), unit: `handoffs/s (${Math.round(r.opsPerSec)} ops/s)`})
    rows.push({figure, metric: `pingpong, hold time ${holdTime}: write p99`, value: w.p99, unit: `µs (p50 ${w.p50} µs)`})
  }

  // Page vs file locks on a multi-page mix: figure 5's runs at 4 nodes.
  const page = measured.get('page:4')
  const file = measured.get('file:4')
  if (page !== undefined && file !== undefined) {
    rows.push({figure, metric: 'zipf 70/30, 4 nodes: page locks', value: Math.round(page), unit: 'ops/s', ratio: round(page / file), vs: 'file locks (figure 5)'})
  }
  return rows
}
