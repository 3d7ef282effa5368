// `cmm report timeline RUN`: loads the run, chooses units and window, writes the page.
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {resolveRunDir, StoredRunError} from '../../results/load-run.js'
import {buildTimeline, busiestUnits, unitsWithoutViolations, type TimelineChoice} from './build.js'
import {timelineHtml} from './html.js'
import {loadTimelineRecords} from './records.js'

export interface TimelineReportOptions extends TimelineChoice {
  readonly run: string
  readonly resultsDir: string
  /** Default: RUN_DIR/timeline.html */
  readonly out?: string
}

export async function reportTimeline(o: TimelineReportOptions): Promise<{file: string; items: number; violations: number; chosen: string; bytes: number}> {
  const dir = resolveRunDir(o.run, o.resultsDir)
  const records = await loadTimelineRecords(dir, (history, summary) => unitsWithoutViolations(history, summary, o))
  refuseUnknownUnits(o.units ?? [], busiestUnits(records.history, records.summary.settings.granularity))
  const data = buildTimeline(records, o)
  const html = timelineHtml(data)
  const file = o.out ?? join(dir, 'timeline.html')
  await writeFile(file, html).catch((error: NodeJS.ErrnoException) => {
    throw new StoredRunError(`--out ${file}: cannot write it (${error.code ?? error.message})`)
  })
  return {file, items: data.items.length, violations: data.violations.length, chosen: data.chosen, bytes: Buffer.byteLength(html)}
}

/**
 * A --unit no page access of the run touched has nothing to draw: say so (bad input), rather than
 * write a page of empty lanes that looks like a unit nobody used.
 */
function refuseUnknownUnits(asked: readonly string[], touched: readonly {unit: string}[]): void {
  const known = new Set(touched.map((t) => t.unit))
  const unknown = asked.filter((u) => !known.has(u))
  if (unknown.length === 0) return
  const busiest = touched.slice(0, 6).map((t) => t.unit).join(', ')
  throw new StoredRunError(`--unit ${unknown.join(',')}: no page access of this run is in ${unknown.length === 1 ? 'that unit' : 'those units'} (busiest: ${busiest || 'none'})`)
}
