// The live view's screen: a pure function of a model snapshot and the terminal size. Stays
// readable on 80x24 (every section keeps a few rows) and gives a taller terminal's rows to the
// sections that have more to show.
import {Box, Text} from 'ink'
import type {LiveSnapshot, LiveEvent} from './model.js'
import type {NodeState} from '../records/live.js'
import {bar, count, duration, fit, lat, right, sparkline} from './format.js'

export interface LiveViewProps {
  readonly snap: LiveSnapshot
  readonly width: number
  readonly height: number
  /** Whether keys work (stdin is a TTY): the key hints are shown only then. */
  readonly keys: boolean
}

/** Lines that are always there: title, progress, sparkline and four section headers. */
const FIXED_LINES = 7

export interface Rows {
  nodes: number
  units: number
  latency: number
  events: number
}

/** How many rows each section gets on a terminal `height` lines high (one line kept free). */
export function layoutRows(height: number, want: Rows): Rows {
  let left = Math.max(0, height - 1 - FIXED_LINES)
  const take = (wanted: number, cap: number): number => {
    const n = Math.max(0, Math.min(wanted, cap, left))
    left -= n
    return n
  }
  // First a fair share each (what fits 80x24), then the rest to whoever has more.
  const r: Rows = {nodes: take(want.nodes, 4), units: take(want.units, 3), latency: take(want.latency, 5), events: take(Math.max(want.events, 1), 3)}
  r.latency += take(want.latency - r.latency, Infinity)
  r.nodes += take(want.nodes - r.nodes, Infinity)
  r.units += take(want.units - r.units, 16)
  r.events += take(want.events - r.events, Infinity)
  return r
}

const STATE_COLOR: Record<NodeState, string> = {starting: 'gray', alive: 'green', paused: 'yellow', done: 'blue', killed: 'red', restarting: 'magenta', partitioned: 'redBright', delayed: 'cyan'}
const LEVEL_COLOR: Record<LiveEvent['level'], string | undefined> = {info: undefined, warn: 'yellow', bad: 'red'}

export function LiveView({snap, width, height, keys}: LiveViewProps) {
  const w = Math.max(40, width)
  const saturated = snap.cpu?.saturated === true
  const rows = layoutRows(height, {nodes: snap.nodes.length, units: snap.units.length, latency: snap.latency.length, events: snap.events.length})
  const byTime = snap.total === null && snap.plannedMs !== null
  const fraction = snap.total ? snap.done / snap.total : byTime ? snap.elapsedMs / snap.plannedMs! : 0
  const progress = snap.total !== null
    ? `${count(snap.done)}/${count(snap.total)} ${(fraction * 100).toFixed(0).padStart(3)}%`
    : `${count(snap.done)} ops${byTime ? `, ${(Math.min(1, fraction) * 100).toFixed(0)}% of ${duration(snap.plannedMs!)}` : ''}`
  const eta = snap.etaMs !== null ? `  ETA ${duration(snap.etaMs)}` : ''
  const info = `${progress}  ${duration(snap.elapsedMs)}${eta}  ${count(snap.opsPerSec)} ops/s`
  const barWidth = snap.total !== null || byTime ? Math.max(5, Math.min(40, w - info.length - 3)) : 0
  const hint = keys ? (snap.phase === 'paused' ? 'p resume  q quit' : 'p pause  q quit') : ''
  const sparkMax = Math.max(0, ...snap.spark.slice(-(w - 20)))

  const nodeRows = clip(snap.nodes, rows.nodes)
  const unitRows = clip(snap.units, rows.units)
  const eventRows = snap.events.slice(-rows.events)
  const latencyRows = snap.latency.slice(0, rows.latency)
  const unitCol = Math.max(6, Math.min(14, ...snap.units.map((u) => u.unit.length)))
  const holderWidth = Math.max(10, w - unitCol - 24)

  return (
    <Box flexDirection="column" width={w}>
      <Text wrap="truncate">
        <Text bold>cmm {snap.title}</Text>
        <Text>  </Text>
        <Text color={snap.phase === 'paused' ? 'yellow' : snap.phase === 'running' ? 'green' : 'cyan'}>{snap.phase}</Text>
        <Text dimColor>{hint ? `   ${hint}` : ''}</Text>
        {saturated ? <Text color="yellow">{`   CPUs ${Math.round((snap.cpu?.busy ?? 1) * 100)}% busy: latencies include CPU wait`}</Text> : null}
      </Text>
      <Text wrap="truncate">{barWidth > 0 ? `${bar(fraction, barWidth)} ` : ''}{info}</Text>
      <Text wrap="truncate"><Text dimColor>ops/s </Text>{sparkline(snap.spark, w - 20)}<Text dimColor> max {count(sparkMax)}</Text></Text>

      <Text bold wrap="truncate">{fit('node  state        ops/s        ops  locks', w)}</Text>
      {nodeRows.shown.map((n) => (
        <Text key={n.node} wrap="truncate">
          {right(String(n.node), 4)}  <Text color={STATE_COLOR[n.state]}>{fit(n.state, 10)}</Text> {right(count(n.opsPerSec), 7)} {right(count(n.ops), 10)} {right(String(n.locksHeld), 6)}
        </Text>
      ))}
      {nodeRows.more > 0 ? <Text dimColor>{`  … ${nodeRows.more} more nodes`}</Text> : null}

      <Text bold wrap="truncate">{fit(`${fit(`busy units (${snap.busyUnitsTotal})`, unitCol + 10)} waiters  holders / callbacks`, w)}</Text>
      {unitRows.shown.map((u) => (
        <Text key={u.unit} wrap="truncate">
          {fit(u.unit, unitCol)}{' '.repeat(11)}{right(String(u.waiters), 7)}  {fit(u.holders.join(' ') || '-', Math.min(holderWidth, 28))}{u.callbacks.length > 0 ? <Text color="yellow"> cb {u.callbacks.join(' ')}</Text> : null}
        </Text>
      ))}
      {unitRows.more > 0 ? <Text dimColor>{`  … ${unitRows.more} more units`}</Text> : null}

      <Text bold wrap="truncate">{fit(`${fit(latencyTitle(snap), 30)}${right('count', 7)}${right('p50', 10)}${right('p99', 10)}${right('p99.9', 10)}${right('max', 10)}`, w)}</Text>
      {latencyRows.map((l) => (
        <Text key={l.key} wrap="truncate">
          {fit(l.key, 30)}{right(count(l.p.count), 7)}{right(lat(l.p.p50), 10)}{right(lat(l.p.p99), 10)}{right(lat(l.p.p999), 10)}{right(lat(l.p.max), 10)}
        </Text>
      ))}

      <Text bold wrap="truncate">events</Text>
      {eventRows.map((e, i) => (
        <Text key={`${i}-${e.atMs}`} wrap="truncate" color={LEVEL_COLOR[e.level]}>
          {right(duration(e.atMs), 7)}  {e.text}
        </Text>
      ))}
    </Box>
  )
}

/** At most `max` rows; when some do not fit, the last row says how many were left out. */
function clip<T>(all: readonly T[], max: number): {shown: readonly T[]; more: number} {
  if (all.length <= max) return {shown: all, more: 0}
  const shown = all.slice(0, Math.max(0, max - 1))
  return {shown, more: all.length - shown.length}
}

/** The latency panel's title: what a --warmup leaves out, while it lasts and after. */
function latencyTitle(snap: LiveSnapshot): string {
  const warmupMs = snap.warmupMs ?? 0
  if (warmupMs <= 0) return 'latency, last 2s (corrected)'
  // Within the panel's 30 columns.
  return snap.elapsedMs < warmupMs ? `latency: warm-up to ${duration(warmupMs)}` : 'latency, last 2s, warmed up'
}
