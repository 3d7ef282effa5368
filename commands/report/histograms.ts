import {Args, Flags} from '@oclif/core'
import {CmmCommand} from '../../src/cli/command.js'
import {integerFlag} from '../../src/cli/flags.js'
import {reportHistograms, type ReportFormat} from '../../src/report/histograms/report.js'
import {UsageError} from '../../src/protocol/errors.js'
import {resultsFlag} from '../../src/cli/results-flag.js'
import {EXIT} from '../../src/records/exit-codes.js'
import {fail, isExit} from '../../src/cli/fail.js'

export default class ReportHistograms extends CmmCommand {
  static override summary = 'Latency percentiles of stored runs; several runs side by side with ratios'
  static override description = `Reads results/RUN_ID/histograms/ (merged across nodes, or --node K) and prints a percentile table per operation and fault class (count, mean, p50, p90, p99, p99.9, max). A run is named by its id under --results or by its folder; default: the latest run. With several runs, each row is shown per run with ratios against the first.

Latency is corrected for coordinated omission (open-loop ops measured from their intended start); the uncorrected rows are shown too where they differ.

Exit status: 0 printed, 2 bad input (unknown run, older results format, truncated file).`

  static override strict = false
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> 20261125-150400-ab12 --node 1',
    '<%= config.bin %> <%= command.id %> results/20261125-150400-ab12 results/20261125-151000-cd34',
    '<%= config.bin %> <%= command.id %> --format hgrm > read.hgrm',
    '<%= config.bin %> <%= command.id %> A B --plot --html report.html',
  ]

  static override args = {
    runs: Args.string({description: 'run ids (under --results) or run folders; default: the latest run', required: false}),
  }

  static override flags = {
    results: resultsFlag('Folder holding the runs.'),
    node: integerFlag({min: 0})({description: 'One node\'s histograms instead of the merged ones.'}),
    format: Flags.option({description: 'table; hgrm (HdrHistogram percentile distribution); csv; json (with HISTF strings).', options: ['table', 'hgrm', 'csv', 'json'] as ReportFormat[], default: 'table' as ReportFormat})(),
    json: Flags.boolean({description: 'Same as --format json.', default: false}),
    plot: Flags.boolean({description: 'Also draw latency by percentile in the terminal.', default: false}),
    html: Flags.string({description: 'Also write a self-contained HTML report to this file.'}),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(ReportHistograms)
    try {
      const text = await reportHistograms({
        runs: argv as string[], resultsDir: flags.results, node: flags.node,
        format: flags.json ? 'json' : flags.format, plot: flags.plot, html: flags.html,
      })
      process.stdout.write(text)
    } catch (error) {
      if (isExit(error)) throw error
      if (error instanceof UsageError) fail(this, error.message, EXIT.badInput)
      throw error
    }
  }
}
