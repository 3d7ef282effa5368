// `--plot`: latency by percentile in the terminal, HdrHistogram style: the x axis is
// log10(1 / (1 - p)), so 90%, 99%, 99.9%, 99.99% are evenly spaced; the y axis is log latency.
import {formatLatency} from '../../metrics/table.js'
import type {Histogram} from '../../metrics/histogram.js'

export interface PlotSeries {
  readonly label: string
  readonly histogram: Histogram
}

/** Percentile positions plotted (x = log10(1/(1-p))), up to 99.999%. */
export const MAX_NINES = 5

export function xOfPercentile(p: number): number {
  return p >= 100 ? MAX_NINES : Math.min(MAX_NINES, Math.log10(100 / (100 - p)))
}

/** The percentile at x; never exactly 0, where HdrHistogram answers 0 instead of the lowest value. */
export function percentileOfX(x: number): number {
  return Math.max(1e-6, 100 - 100 / 10 ** x)
}

const MARKS = '*+ox#@%&=~'

export function asciiPlot(series: readonly PlotSeries[], width = 64, height = 16): string {
  if (series.length === 0) return '(no latency data to plot)\n'
  const cols = Math.max(20, width)
  const points = series.map((s) => Array.from({length: cols}, (_, i) => Math.max(1, s.histogram.getValueAtPercentile(percentileOfX((i / (cols - 1)) * MAX_NINES)))))
  const all = points.flat()
  const lo = Math.log10(Math.min(...all))
  const hi = Math.max(lo + 1, Math.log10(Math.max(...all)))
  const grid = Array.from({length: height}, () => new Array<string>(cols).fill(' '))
  points.forEach((ys, si) => {
    ys.forEach((y, x) => {
      const row = height - 1 - Math.round(((Math.log10(y) - lo) / (hi - lo)) * (height - 1))
      grid[row]![x] = MARKS[si % MARKS.length]!
    })
  })
  const yLabel = (row: number) => formatLatency(Math.round(10 ** (lo + ((height - 1 - row) / (height - 1)) * (hi - lo))))
  const labelWidth = 10
  const lines = grid.map((r, row) => `${(row % 3 === 0 || row === height - 1 ? yLabel(row) : '').padStart(labelWidth)} |${r.join('')}`)
  lines.push(`${' '.repeat(labelWidth)} +${'-'.repeat(cols)}`)
  const ticks = new Array<string>(cols + 1).fill(' ')
  for (const [n, text] of [[0, '0%'], [1, '90%'], [2, '99%'], [3, '99.9%'], [4, '99.99%'], [5, '99.999%']] as const) {
    const at = Math.min(cols - text.length + 1, Math.round((n / MAX_NINES) * (cols - 1)))
    for (let i = 0; i < text.length; i++) ticks[at + i] = text[i]!
  }
  lines.push(`${' '.repeat(labelWidth)}  ${ticks.join('').trimEnd()}`)
  lines.push(`${' '.repeat(labelWidth)}  latency by percentile (log scales); ${series.map((s, i) => `${MARKS[i % MARKS.length]} ${s.label}`).join(', ')}`)
  return lines.join('\n') + '\n'
}
