import {Args, Flags} from '@oclif/core'
import {CmmCommand} from '../../src/cli/command.js'
import {EXIT} from '../../src/records/exit-codes.js'
import {reportTimeline} from '../../src/report/timeline/report.js'
import {StoredRunError} from '../../src/results/load-run.js'
import {durationFlag, DURATION_HINT} from '../../src/cli/flags.js'
import {fail, isExit} from '../../src/cli/fail.js'

export default class ReportTimeline extends CmmCommand {
  static override summary = 'Draw a stored run as a timeline of locks, mappings and ops (self-contained HTML)'
  static override description = `Writes one HTML file (no network access) that draws, per lock unit, one lane per node: lock holds (SH/EX, by seq), requests waiting for their grant, callbacks received until answered, write-backs (fenced ones marked), PTE mappings (RO/RW), and the ops that touched the unit (invoke to completion, with the value); fault windows (kills, pauses) are shaded and labelled across every lane. Every violation the checks found is listed on top, causes first (e.g. mapping-outlives-lock before the conflicting mappings it led to), with the record files and lines, and outlined on its unit and nodes; for a linearizability failure the op that cannot be placed and the end of the longest linearizable prefix are coloured. Wheel zooms, drag pans.

By default: the units of the violations and the time around the first one; for a valid run, the busiest units from the start. At most 12,000 bars are embedded (the window is cut short past that, and the page says so).

Reads run.json, history.jsonl, trace.jsonl, locks.jsonl, requests.jsonl and events.jsonl.
Exit status: 0 written, 2 bad input (unknown run, malformed file, bad flag).`

  static override examples = [
    '<%= config.bin %> <%= command.id %> 20261125-150400-ab12',
    '<%= config.bin %> <%= command.id %> results/20261125-150400-ab12 --out /tmp/timeline.html',
    '<%= config.bin %> <%= command.id %> 20261125-150400-ab12 --unit a/0,a/1 --from 120ms --to 180ms',
  ]

  static override args = {
    run: Args.string({description: 'run id (a folder under --results) or the path of a results folder', required: true}),
  }

  static override flags = {
    // Not resultsFlag(): its hidden alias --out is this command's output file.
    results: Flags.string({description: 'folder that holds the run folders', default: 'results', helpValue: '<dir>'}),
    out: Flags.string({description: 'HTML file to write (default: RUN_FOLDER/timeline.html)'}),
    unit: Flags.string({description: 'lock units to draw, comma-separated (a/0 for a page unit, a for a file unit; one the run never touched is refused); default: the violations\' units, else the busiest', multiple: true}),
    from: durationFlag({description: `start of the time window since the run's start, ${DURATION_HINT}`}),
    to: durationFlag({description: `end of the time window since the run's start, ${DURATION_HINT}`}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(ReportTimeline)
    const from = flags.from === undefined ? undefined : flags.from / 1000
    const to = flags.to === undefined ? undefined : flags.to / 1000
    if (from !== undefined && to !== undefined && to <= from) fail(this, `--to (${to}ms) must be after --from (${from}ms)`, EXIT.badInput)
    const units = (flags.unit ?? []).flatMap((u) => u.split(',')).map((u) => u.trim()).filter((u) => u !== '')
    try {
      const r = await reportTimeline({run: args.run, resultsDir: flags.results, out: flags.out, units, from, to})
      this.log(`timeline: ${r.file} (${(r.bytes / 1024).toFixed(0)} KiB, ${r.items} bars, ${r.violations} violations; showing ${r.chosen})`)
    } catch (error) {
      if (isExit(error)) throw error
      if (error instanceof StoredRunError) fail(this, error.message, EXIT.badInput)
      throw error
    }
  }
}
