import {writeFileSync} from 'node:fs'

import {Args, Flags} from '@oclif/core'
import {CmmCommand} from '../../src/cli/command.js'
import {EXIT} from '../../src/records/exit-codes.js'
import {fail, isExit} from '../../src/cli/fail.js'
import {BREAK_VARIANTS, type BreakVariant} from '../../src/protocol/break.js'
import {RETRY_LIMIT} from '../../src/protocol/copy-plan.js'
import {checkModel, ModelInputError, readTraceFile, type ModelMode, type ModelOptions} from '../../src/sim/check.js'
import {modelChart} from '../../src/sim/chart.js'
import {commandLine, shellWord} from '../../src/util/shell-words.js'
import {modelChartHtml} from '../../src/report/model-chart/html.js'
import {defaultWorkers, SearchWorkerError} from '../../src/sim/parallel.js'
import {clearProgress, progressLine} from '../../src/sim/progress.js'
import {UnsupportedVariant} from '../../src/sim/protocol.js'
import {COPY_STRATEGIES, DEADLOCK_POLICIES} from '../../src/sim/types.js'
import {WorkloadError} from '../../src/workload/errors.js'
import {durationFlag, DURATION_HINT, integerFlag} from '../../src/cli/flags.js'
import type {DowngradeStyle, Granularity, StatesMode} from '../../src/protocol/types.js'

export default class CheckModel extends CmmCommand {
  static override summary = 'Explore the protocol in a deterministic simulator: every interleaving, or seeded random walks'
  static override description = `Runs the real node core and manager model of src/protocol/ with no Redis, no processes and no clock: messages wait in per-link FIFO queues and each step picks one enabled action. The nodes, files and ops come from the workload (the first --ops ops of each node). After every step it checks single writer / multiple readers (locks and PTEs), no mapping without the lock it needs (RO under SH or EX, RW under EX: the run's coherence rule), that every mapped page and every read holds the latest write, that no stale write-back is accepted, the node and manager assertions, and at the end that no write is lost and no op is stuck (deadlock, with the wait-for cycle).

Nodes running the same program are interchangeable: states that differ only by a permutation of them are searched once (symmetry reduction, on where sound; --no-symmetry). The exhaustive search runs on worker threads (--workers, default every core) and prints its progress on stderr.

Exit status: 0 no violation, 1 a violation (with the shortest trace found and how to replay it), 2 bad input, 3 the budget ran out before a verdict.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> workloads/upgrade-race.yaml --exhaustive',
    '<%= config.bin %> <%= command.id %> workloads/upgrade-race.yaml --exhaustive --ops 6 --granularity file --states exclusive',
    '<%= config.bin %> <%= command.id %> workloads/copy-both-ways.yaml --exhaustive --ops 3 --copy-strategy naive',
    '<%= config.bin %> <%= command.id %> workloads/copy-both-ways.yaml --exhaustive --ops 3 --copy-strategy naive --on-deadlock report',
    '<%= config.bin %> <%= command.id %> workloads/copy-both-ways.yaml --exhaustive --ops 3 --copy-strategy retry --retry-limit 2 --granularity file',
    '<%= config.bin %> <%= command.id %> workloads/zipf-mix.yaml --random 2000 --ops 20 --seed 7',
    '<%= config.bin %> <%= command.id %> workloads/zipf-mix.yaml --ops 20 --replay 123456789',
    '<%= config.bin %> <%= command.id %> workloads/upgrade-race.yaml --replay "op0 req0 rep0"',
    '<%= config.bin %> <%= command.id %> workloads/upgrade-race.yaml --nodes 3 --ops 3',
    '<%= config.bin %> <%= command.id %> workloads/upgrade-race.yaml --nodes 3 --ops 3 --no-symmetry --workers 1',
  ]

  static override args = {
    file: Args.string({description: 'workload script (YAML): nodes, files, ops and cluster settings', required: true}),
  }

  static override flags = {
    exhaustive: Flags.boolean({description: 'explore every interleaving (the default)', default: false, exclusive: ['random']}),
    random: integerFlag({min: 1})({description: 'run N seeded random walks instead'}),
    seed: integerFlag()({description: 'seed of the random walks and of workload mixes', default: 1}),
    replay: Flags.string({description: 'replay one walk by its SEED, or a trace ("op0 req0 rep0 ...") as printed on a violation'}),
    trace: Flags.string({description: 'replay a trace saved with --save'}),
    save: Flags.string({description: 'on a violation, write the shortest trace to this file'}),
    break: Flags.option({description: 'Run a deliberately broken protocol variant.', options: Object.keys(BREAK_VARIANTS) as BreakVariant[]})(),
    depth: integerFlag({min: 1})({description: 'longest path (steps) explored; exhaustive: paths cut there are reported', default: 10_000}),
    budget: durationFlag({description: `Wall-clock budget, ${DURATION_HINT}; past it the verdict is open (exit 3).`, default: 60_000_000, defaultHelp: async () => '60s'}),
    ops: integerFlag({min: 1, max: 1000})({description: 'ops per node taken from the workload (default: 6 exhaustive (two rounds of a 3-op loop), 20 random)'}),
    nodes: integerFlag({min: 1, max: 16})({description: 'Number of nodes (1..16), as in `run workload`: each node runs its program from the workload (an `all:` block gives every node one); refused (exit 2) when a node would have none.'}),
    symmetry: Flags.boolean({description: 'Symmetry reduction: nodes running the same program are interchangeable, so states that differ only by a permutation of them are one state (on by default where sound; --no-symmetry turns it off).', default: true, allowNo: true}),
    workers: integerFlag({min: 1, max: 64})({description: 'Threads of an exhaustive search (default: the number of CPU cores of the machine it runs on).'}),
    granularity: Flags.option({description: 'Overrides cluster.granularity.', options: ['file', 'page'] as Granularity[]})(),
    states: Flags.option({description: 'Overrides cluster.states.', options: ['shared', 'exclusive'] as StatesMode[]})(),
    downgrade: Flags.option({description: 'Overrides cluster.downgrade.', options: ['unmap', 'write-protect'] as DowngradeStyle[]})(),
    'copy-strategy': Flags.option({description: 'How copies take their locks (overrides cluster.copyStrategy): the worker\'s copy plans.', options: COPY_STRATEGIES, aliases: ['copy']})(),
    'on-deadlock': Flags.option({
      description: 'what a node does with a deadlock the manager found: ignore (the default: a cycle ends as a reported deadlock), report (the victim abandons its wait as a run does: its op fails, the run must still finish), abort (a violation as soon as the manager names the cycle)',
      options: DEADLOCK_POLICIES,
    })(),
    'retry-limit': integerFlag({min: 1, max: 1000})({description: `rounds a retry copy makes before it takes the ordered path (default: the worker's ${RETRY_LIMIT}); a lower one keeps the state space small`}),
    kills: integerFlag({min: 0, max: 100})({description: 'node kills each walk (or, exhaustive, each path) may make: the manager declares the node dead and purges it, the node restarts empty under a new id; default 0'}),
    pauses: integerFlag({min: 0, max: 100})({description: 'pauses past the lease each walk (or path) may make: the node is declared dead and purged while it still runs its lock daemon (its late requests must be fenced), then resumes, finds its lease lost and restarts; default 0'}),
    partitions: integerFlag({min: 0, max: 100})({description: 'network partitions each walk (or path) may make (`partK` in traces): the node\'s links stop delivering while it keeps running its program on its cache, the manager may then declare it dead and purge it (it must complete nothing more), and the partition heals (its held requests arrive late and must be fenced); default 0'}),
    'hold-time': durationFlag({description: `Minimum hold time after a grant (overrides cluster.holdTime), ${DURATION_HINT}; the model's clock only moves when a timer fires.`}),
    html: Flags.string({description: 'Write the violation\'s trace (or the --replay/--trace trace) as a self-contained HTML message sequence chart to this file: nodes and manager as columns, messages as arrows, the locks and PTEs after every step, the violating step outlined.'}),
    json: Flags.boolean({description: 'Print the outcome as one JSON document: verdict, exit status, the report lines and the violation\'s trace.', default: false}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(CheckModel)
    try {
      const variant = flags.break ?? null
      let mode: ModelMode = flags.random === undefined ? {kind: 'exhaustive'} : {kind: 'random', walks: flags.random}
      if (flags.trace !== undefined) mode = {kind: 'replay-trace', trace: readTraceFile(flags.trace)}
      else if (flags.replay !== undefined) mode = /^\d+$/.test(flags.replay.trim()) ? {kind: 'replay-seed', seed: this.walkSeed(flags.replay.trim())} : {kind: 'replay-trace', trace: flags.replay}
      const options: ModelOptions = {
        file: args.file,
        mode,
        seed: flags.seed,
        ops: flags.ops ?? (mode.kind === 'random' || mode.kind === 'replay-seed' ? 20 : 6),
        nodes: flags.nodes,
        depth: flags.depth,
        budgetMs: flags.budget / 1000,
        variant,
        copy: flags['copy-strategy'],
        onDeadlock: flags['on-deadlock'],
        retryLimit: flags['retry-limit'],
        granularity: flags.granularity,
        states: flags.states,
        downgrade: flags.downgrade,
        holdTimeUs: flags['hold-time'],
        kills: flags.kills,
        pauses: flags.pauses,
        partitions: flags.partitions,
        symmetry: flags.symmetry,
        workers: flags.workers ?? defaultWorkers(),
        progress: progressLine(),
      }
      const outcome = await checkModel(options)
      clearProgress()
      if (flags.json) this.log(JSON.stringify({file: args.file, mode: mode.kind, verdict: VERDICTS[outcome.exitCode] ?? 'error', exitCode: outcome.exitCode, lines: outcome.lines, trace: outcome.trace}, null, 2))
      else for (const line of outcome.lines) this.log(line)
      if (outcome.trace !== null && flags.save !== undefined) {
        this.writeOutput('--save', flags.save, `# ${traceReplayCommand(flags.save, options.ops)}\n${outcome.trace}\n`)
        if (!flags.json) this.log(`trace saved to ${flags.save}`)
      }
      if (flags.html !== undefined) this.writeChart(flags.html, options, outcome.trace ?? (mode.kind === 'replay-trace' ? mode.trace : null), flags.json)
      if (outcome.exitCode !== EXIT.ok) this.exit(outcome.exitCode)
    } catch (error) {
      if (isExit(error)) throw error
      if (error instanceof WorkloadError || error instanceof ModelInputError || error instanceof UnsupportedVariant || error instanceof RangeError) fail(this, error.message, EXIT.badInput)
      if (error instanceof SearchWorkerError) fail(this, error.message, EXIT.unknown)
      throw error
    }
  }

  /**
   * A --replay walk seed. Walk seeds are 32-bit (explore.ts walkSeed); a larger number was
   * replayed as some other walk ("walk seed 1e+23"), with its verdict, and exit 0.
   */
  private walkSeed(text: string): number {
    const seed = Number(text)
    if (seed > 0xffff_ffff) fail(this, `--replay: a walk seed is a whole number 0..4294967295 (as a violation prints it), found ${text}`, EXIT.badInput)
    return seed
  }

  /** --html: the trace as a message sequence chart; nothing to draw when no trace was found. */
  private writeChart(file: string, options: ModelOptions, trace: string | null, quiet: boolean): void {
    if (trace === null) {
      if (!quiet) this.log(`--html ${file}: no violation, so no trace to draw (nothing written)`)
      return
    }
    const command = commandLine(process.argv.slice(2), ['--html', '--save'])
    const html = modelChartHtml(modelChart(options, trace, command))
    this.writeOutput('--html', file, html)
    if (!quiet) this.log(`message sequence chart written to ${file}`)
  }

  /**
   * Writes a file a flag named; one that cannot be written is bad input (exit 2) in one line.
   * `--save` to a missing folder used to end in oclif's error box with exit 1, a violation's status.
   */
  private writeOutput(flag: string, file: string, text: string): void {
    try {
      writeFileSync(file, text)
    } catch (error) {
      fail(this, `${flag} ${file}: cannot write it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, EXIT.badInput)
    }
  }
}

/**
 * The command that replays a saved trace: this one's flags (the --break variant, the cluster
 * overrides, --seed of the mixes), with --ops made explicit since its default depends on the mode.
 */
function traceReplayCommand(file: string, ops: number): string {
  const search = ['--save', '--html', '--random', '--replay', '--trace', '--ops', '--budget', '--depth', '--workers']
  const argv = process.argv.slice(2).filter((a) => a !== '--exhaustive' && a !== '--json')
  return `${commandLine(argv, search)} --ops ${ops} --trace ${shellWord(file)}`
}

/** The verdict word of each exit status checkModel returns, for --json. */
const VERDICTS: Readonly<Record<number, string>> = {[EXIT.ok]: 'no-violation', [EXIT.invalid]: 'violation', [EXIT.unknown]: 'budget-exhausted'}
