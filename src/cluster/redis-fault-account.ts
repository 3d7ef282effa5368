// A Redis fault as the summary accounts for it: the fault record (when, what came back, what the
// new primary no longer had) plus the ops that were in flight when it struck, from the history.
import type {HistoryEntry} from '../records/history.js'
import type {RedisFaultAccount, RedisFaultRecord} from '../records/redis-faults.js'

/** `startUs`: the run's start (µs, wall clock); history times are ns since it. */
export function redisFaultAccount(fault: RedisFaultRecord, startUs: number, history: Iterable<HistoryEntry>): RedisFaultAccount {
  const atMs = fault.atMs - startUs / 1000
  const atNs = atMs * 1e6
  // Per process, its op invoked before the fault whose completion (if any) came after it.
  const open = new Map<number, HistoryEntry>()
  for (const e of history) {
    if (e.time > atNs && e.type === 'invoke') continue
    if (e.type === 'invoke') open.set(e.process, e)
    else if (e.time <= atNs) open.delete(e.process)
  }
  const opsInFlight = [...open.values()].map((e) => ({process: e.process, f: e.f, key: e.key})).sort((a, b) => a.process - b.process)
  return {...fault, atMs: Math.round(atMs), opsInFlight}
}
