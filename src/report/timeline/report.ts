// `cmm report timeline RUN`: loads the run, chooses units and window, writes the page.
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {resolveRunDir, StoredRunError} from '../../results/load-run.js'
import {buildTimeline, unitsWithoutViolations, type TimelineChoice} from './build.js'
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
  const data = buildTimeline(await loadTimelineRecords(dir, (history, summary) => unitsWithoutViolations(history, summary, o)), o)
  const html = timelineHtml(data)
  const file = o.out ?? join(dir, 'timeline.html')
  await writeFile(file, html).catch((error: NodeJS.ErrnoException) => {
    throw new StoredRunError(`--out ${file}: cannot write it (${error.code ?? error.message})`)
  })
  return {file, items: data.items.length, violations: data.violations.length, chosen: data.chosen, bytes: Buffer.byteLength(html)}
}
