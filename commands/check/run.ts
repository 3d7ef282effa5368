import {Args, Flags} from '@oclif/core'
import {CmmCommand} from '../../src/cli/command.js'
import {runChecks} from '../../src/check/run-checks.js'
import {exitCodeFor, validityWord} from '../../src/check/verdict.js'
import {loadStoredRun, resolveRunDir, StoredRunError, withRecords} from '../../src/results/load-run.js'
import {checksText, verdictWhy} from '../../src/report/run-text.js'
import {explainLines} from '../../src/report/explain.js'
import {locateViolations} from '../../src/check/locate.js'
import {durationFlag, DURATION_HINT} from '../../src/cli/flags.js'
import {resultsFlag} from '../../src/cli/results-flag.js'
import {EXIT} from '../../src/records/exit-codes.js'
import {fail, isExit} from '../../src/cli/fail.js'

export default class CheckRun extends CmmCommand {
  static override summary = 'Re-run every checker on a stored run'
  static override description = `Loads results/RUN_ID/ (history.jsonl, trace.jsonl, locks.jsonl, final.json, run.json) and runs the checkers of \`cmm run workload\` again: coherence, linearizable, no-lost-writes, liveness, deadlock. Prints one line per check and the verdict; run.json is left as it is.

Exit status: 0 every check valid, 1 a check found a violation, 2 no such run or a malformed file, 3 a check could not decide (unknown).`

  static override examples = [
    '<%= config.bin %> <%= command.id %> 20261125-150400-ab12',
    '<%= config.bin %> <%= command.id %> /tmp/runs/20261125-150400-ab12 --json',
    '<%= config.bin %> <%= command.id %> 20261125-150400-ab12 --results /tmp/runs',
  ]

  static override args = {
    run: Args.string({description: 'run id (a folder under --results) or the path of a results folder', required: true}),
  }

  static override flags = {
    results: resultsFlag('Folder that holds the run folders.'),
    timeout: durationFlag({description: `Time limit of the linearizability search, ${DURATION_HINT}; past it the verdict is unknown.`, default: 60_000_000, defaultHelp: async () => '60s'}),
    json: Flags.boolean({description: 'print the checks report (the run.json `checks` section) as JSON', default: false}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(CheckRun)
    const timeoutUs = flags.timeout
    try {
      const stored = await loadStoredRun(resolveRunDir(args.run, flags.results))
      const checks = runChecks(stored.evidence, {timeoutMs: timeoutUs / 1000})
      if (flags.json) this.log(JSON.stringify({runId: stored.summary.runId, dir: stored.dir, break: stored.summary.break ?? null, ...checks}, null, 2))
      else {
        const broken = stored.summary.break ? ` (run with --break ${stored.summary.break})` : ''
        this.log(`run ${stored.summary.runId}: ended ${stored.summary.end}${broken}`)
        this.log(checksText(checks))
        if (checks.valid === false) {
          const records = withRecords(stored)
          const why = explainLines(locateViolations({...records, summary: {...records.summary, checks}}), stored.summary.break ?? null, stored.dir)
          if (why.length > 0) this.log(why.join('\n'))
        }
        this.log(`verdict: ${validityWord(checks.valid)} (${verdictWhy(checks)})`)
      }
      const code = exitCodeFor(checks.valid)
      if (code !== 0) this.exit(code)
    } catch (error) {
      if (isExit(error)) throw error
      if (error instanceof StoredRunError) fail(this, error.message, EXIT.badInput)
      throw error
    }
  }
}
