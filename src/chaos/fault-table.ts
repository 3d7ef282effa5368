// The summary's fault table (issue 14): per fault kind, how many were injected and, for those
// that cost a node its lease, the time from the fault to its locks purged and regranted.
import type {EventLine} from '../records/events.js'
import type {FaultKindRow} from '../records/run.js'
import type {FaultKind} from './net-chaos.js'

const KINDS: readonly FaultKind[] = ['kill', 'pause', 'partition', 'partition-to-redis', 'partition-from-redis', 'delay', 'skew']

/** The kind of fault an events.jsonl line injects, or null for any other line. */
export function faultKindOf(line: EventLine): FaultKind | null {
  switch (line.type) {
    case 'kill':
    case 'pause':
    case 'delay':
    case 'skew':
      return line.type
    case 'partition':
      return line.direction === 'to-redis' || line.direction === 'from-redis' ? `partition-${line.direction}` : 'partition'
    default:
      return null
  }
}

export function faultTable(events: readonly EventLine[], recoveries: readonly {kind: FaultKind | null; sinceKillMs: number | null}[]): FaultKindRow[] {
  const rows: FaultKindRow[] = []
  for (const kind of KINDS) {
    const faults = events.filter((e) => faultKindOf(e) === kind).length
    const recoveryMs = recoveries.flatMap((r) => (r.kind === kind && r.sinceKillMs !== null ? [r.sinceKillMs] : []))
    if (faults > 0 || recoveryMs.length > 0) rows.push({kind, faults, recoveryMs})
  }
  return rows
}
