import {readFile} from 'node:fs/promises'

import {Args, Flags} from '@oclif/core'
import {CmmCommand} from '../../src/cli/command.js'

import {
  checkRegisterHistory,
  formatKey,
  formatOp,
  formatValue,
  HistoryFormatError,
  parseHistoryJsonl,
  type RegisterCheckResult,
} from '../../src/check/linearizability/index.js'
import {durationFlag, DURATION_HINT} from '../../src/cli/flags.js'
import {EXIT} from '../../src/records/exit-codes.js'


/** How many ops of the linearizable prefix the plain report shows (the JSON has all). */
const PREFIX_SHOWN = 5

type FileVerdict = {readonly file: string; readonly result: RegisterCheckResult}
type FileError = {readonly file: string; readonly error: string; readonly line: number | null}
type FileReport = FileVerdict | FileError

export default class CheckHistory extends CmmCommand {
  static override description = `Check register histories (JSONL) for linearizability.

Each FILE holds one entry per line: {"process", "type": invoke|ok|fail|info, "f": read|write|cas, "key"?, "value"?}. Every key is a register that starts as null; the history must be explainable by some order of the operations that respects real time (the order of the lines). Prints a verdict line per file.

Exit status: 0 every file is linearizable, 1 some file is not, 2 some file is malformed, unreadable or holds no ops, 3 the time limit ran out before a verdict (unknown). When files differ, 1 wins over 2, and 2 over 3.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> examples/histories/linearizable.jsonl',
    '<%= config.bin %> <%= command.id %> --timeout 30s results/*/history.jsonl',
    '<%= config.bin %> <%= command.id %> --json examples/histories/stale-read.jsonl',
  ]

  static override strict = false

  static override args = {
    file: Args.string({description: 'history file(s) to check, JSONL', required: true}),
  }

  static override flags = {
    timeout: durationFlag({description: `Time limit of the search per file, once parsed, ${DURATION_HINT}; past it the verdict is "unknown" (exit 3). Default: none.`}),
    json: Flags.boolean({description: 'Print the verdicts as one JSON document (with the full failure report).', default: false}),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(CheckHistory)
    const files = argv as string[]
    const timeoutMs = flags.timeout === undefined ? undefined : flags.timeout / 1000

    const reports: FileReport[] = []
    for (const file of files) {
      const report = await checkFile(file, timeoutMs)
      reports.push(report)
      // Errors go to stderr in both modes: stdout stays one JSON document with --json.
      if ('error' in report) this.logToStderr(report.error)
      else if (!flags.json) this.printReport(report)
    }
    const code = exitCode(reports)
    if (flags.json) this.log(JSON.stringify(toJson(reports, code), null, 2))
    if (code !== EXIT.ok) this.exit(code)
  }

  private printReport(report: FileVerdict): void {
    const {file, result: r} = report
    const size = `${r.keys} key${r.keys === 1 ? '' : 's'}, ${r.ops} ops, ${Math.round(r.elapsedMs)} ms`
    if (r.valid === true) {
      this.log(`${file}: linearizable (${size})`)
    } else if (r.valid === 'unknown') {
      const why = r.gaveUp?.reason === 'state-limit' ? 'the search state limit was reached' : 'the time limit ran out'
      this.log(`${file}: unknown: ${why} on key ${formatKey(r.gaveUp?.key ?? null)} (${r.keysChecked} of ${r.keys} keys checked, ${size})`)
    } else if (r.failure !== undefined) {
      const f = r.failure
      this.log(`${file}: NOT linearizable: key ${formatKey(f.key)} (${size})`)
      this.log(`  longest linearizable prefix: ${f.prefix.length} ops${f.prefix.length > PREFIX_SHOWN ? `, the last ${PREFIX_SHOWN}:` : ''}`)
      for (const op of f.prefix.slice(-PREFIX_SHOWN)) this.log(`    ${formatOp(op)}`)
      this.log(`  after it the register holds ${formatValue(f.valueAfterPrefix)}`)
      this.log(`  cannot place: ${formatOp(f.blocked)}`)
    }
  }
}

async function checkFile(file: string, timeoutMs: number | undefined): Promise<FileReport> {
  let bytes: Uint8Array
  try {
    bytes = await readFile(file)
  } catch (error) {
    const e = error as NodeJS.ErrnoException
    return {file, error: `${file}: cannot read: ${e.code ?? e.message}`, line: null}
  }
  try {
    const history = parseHistoryJsonl(bytes, file)
    // Nothing to check is not a pass: most often the wrong file, or a run that did nothing.
    if (history.entries.length === 0) return {file, error: `${file}: holds no ops (empty, or only blank and nemesis lines): nothing to check`, line: null}
    const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs
    return {file, result: checkRegisterHistory(history, {deadline})}
  } catch (error) {
    if (error instanceof HistoryFormatError) return {file, error: error.message, line: error.line}
    throw error
  }
}

function exitCode(reports: readonly FileReport[]): number {
  const has = (p: (r: FileReport) => boolean): boolean => reports.some(p)
  if (has((r) => 'result' in r && r.result.valid === false)) return EXIT.invalid
  if (has((r) => 'error' in r)) return EXIT.badInput
  if (has((r) => 'result' in r && r.result.valid === 'unknown')) return EXIT.unknown
  return EXIT.ok
}

function toJson(reports: readonly FileReport[], code: number): object {
  const files = reports.map((r) => ('error' in r ? {file: r.file, valid: null, error: r.error, line: r.line} : {file: r.file, ...r.result}))
  const verdicts = reports.map((r) => ('error' in r ? null : r.result.valid))
  // Mirrors the exit status: false, then null (a file could not be checked), then 'unknown'.
  const valid = verdicts.includes(false) ? false : verdicts.includes(null) ? null : verdicts.includes('unknown') ? 'unknown' : true
  return {valid, exitCode: code, files}
}
