// `cmm report histograms` without the command shell: load the runs, render the chosen format.
import {writeFile} from 'node:fs/promises'
import {groupOf, loadRun, resolveRunDir, ReportInputError} from './load.js'
import {comparisonTable, csv, hgrm, json, singleTable, type Shown} from './text.js'
import {asciiPlot} from './plot.js'
import {htmlReport} from './html.js'
import {runExtras} from './run-extras.js'
import {percentileRows} from './rows.js'

export type ReportFormat = 'table' | 'hgrm' | 'csv' | 'json'

export interface ReportOptions {
  readonly runs: readonly string[]
  readonly resultsDir: string
  readonly node?: number
  readonly format: ReportFormat
  readonly plot: boolean
  readonly html?: string
}

/** The text to print (and writes the HTML file when asked). Throws ReportInputError on bad input. */
export async function reportHistograms(o: ReportOptions): Promise<string> {
  const names = o.runs.length === 0 ? [undefined] : o.runs
  const shown: Shown[] = []
  for (const name of names) {
    const run = await loadRun(resolveRunDir(name, o.resultsDir))
    shown.push({run, group: o.node === undefined ? 'merged' : `node-${o.node}`, histograms: groupOf(run, o.node)})
  }
  let text: string
  switch (o.format) {
    case 'table':
      text = shown.length === 1 ? singleTable(shown[0]!) : comparisonTable(shown)
      break
    case 'csv':
      text = csv(shown)
      break
    case 'json':
      text = json(shown)
      break
    case 'hgrm':
      text = hgrm(shown)
      break
  }
  if (o.plot) {
    const series = shown.flatMap((s, i) => percentileRows(s.histograms)
      .filter((r) => r.corrected && r.key.startsWith('op:'))
      .map((r) => ({label: shown.length === 1 ? r.key : `[${i}] ${r.key}`, histogram: r.histogram})))
    text += '\n' + asciiPlot(series)
  }
  if (o.html !== undefined) {
    try {
      await writeFile(o.html, htmlReport(shown, shown.map((s) => runExtras(s.run.dir, s.run.summary))))
    } catch (error) {
      throw new ReportInputError(`--html ${o.html}: ${(error as Error).message}`)
    }
    text += `\nHTML report: ${o.html}\n`
  }
  return text
}
