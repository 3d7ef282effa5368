// Percentile rows of stored histograms: one per key with data, corrected first, then the
// uncorrected one where it differs (open-loop ops), in the display order of HISTOGRAM_KEYS.
import {decodeHistogram, percentiles, type Histogram, type Percentiles} from '../../metrics/histogram.js'
import type {EncodedHistograms} from '../../records/histogram-keys.js'
import {orderKeys} from '../../metrics/table.js'

export interface PercentileRow {
  readonly key: string
  readonly corrected: boolean
  /** `op:read` or `op:read (uncorrected)`. */
  readonly label: string
  readonly histf: string
  readonly p: Percentiles
  readonly histogram: Histogram
}

export function percentileRows(e: EncodedHistograms): PercentileRow[] {
  const rows: PercentileRow[] = []
  for (const key of orderKeys(new Set([...Object.keys(e.corrected), ...Object.keys(e.uncorrected)]))) {
    const c = e.corrected[key]
    const u = e.uncorrected[key]
    for (const [histf, corrected] of [[c, true], [u !== c ? u : undefined, false]] as const) {
      if (histf === undefined) continue
      const histogram = decodeHistogram(histf)
      const p = percentiles(histogram)
      if (p.count > 0) rows.push({key, corrected, label: corrected ? key : `${key} (uncorrected)`, histf, p, histogram})
    }
  }
  return rows
}
