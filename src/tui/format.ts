// Small text helpers for the live view (fixed-width columns, sparkline, durations).
import {formatLatency} from '../metrics/table.js'

const BLOCKS = '▁▂▃▄▅▆▇█'

/** The last `width` values as a sparkline scaled to their max. */
export function sparkline(values: readonly number[], width: number): string {
  const shown = values.slice(-Math.max(0, width))
  const max = Math.max(0, ...shown)
  if (max <= 0) return BLOCKS[0]!.repeat(shown.length)
  return shown.map((v) => BLOCKS[Math.min(BLOCKS.length - 1, Math.max(0, Math.round((v / max) * (BLOCKS.length - 1))))]).join('')
}

export function bar(fraction: number, width: number): string {
  const f = Math.min(1, Math.max(0, fraction))
  const full = Math.round(f * width)
  return '█'.repeat(full) + '░'.repeat(width - full)
}

export function duration(ms: number): string {
  const s = Math.max(0, ms / 1000)
  if (s < 60) return `${s.toFixed(1)}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`
}

export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US')
}

/** Latency for a narrow column: no space before the unit. */
export function lat(us: number): string {
  return formatLatency(us).replace(' ', '')
}

export function fit(s: string, width: number): string {
  if (width <= 0) return ''
  return s.length > width ? s.slice(0, Math.max(0, width - 1)) + '…' : s.padEnd(width)
}

export function right(s: string, width: number): string {
  return s.length >= width ? s : s.padStart(width)
}
