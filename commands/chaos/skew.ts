import {Args, Flags} from '@oclif/core'
import {CmmCommand} from '../../src/cli/command.js'
import {DURATION_HINT, durationFlag, integerArg} from '../../src/cli/flags.js'
import {EXIT} from '../../src/records/exit-codes.js'
import {fail} from '../../src/cli/fail.js'
import {applyFault, CHAOS_EXIT_TEXT, forMsOf, runFlags} from '../../src/cli/chaos.js'
import {durationProblem, parseDurationUs} from '../../src/workload/duration.js'

export default class ChaosSkew extends CmmCommand {
  static override summary = 'Skew a node\'s protocol clock (an offset, and optionally a rate)'
  static override description = `The node's protocol clock (lease deadline, hold time, timers) is offset by OFFSET (a leading - puts it behind: use \`--\` before it) and, with --rate, runs that many times as fast from now on. The times the node records in the history stay on the true clock, so the checks judge the protocol, not the skew. Works on any live run. Waits for the orchestrator to confirm.

${CHAOS_EXIT_TEXT}`

  static override examples = [
    '<%= config.bin %> <%= command.id %> 1 300ms',
    '<%= config.bin %> <%= command.id %> 1 0ms --rate 1.05',
    '<%= config.bin %> <%= command.id %> 0 --for 5s -- -200ms',
  ]

  static override args = {
    node: integerArg({min: 0})({description: 'node index (0..nodes-1)', required: true}),
    offset: Args.string({description: `clock offset, ${DURATION_HINT}; negative: -300ms`, required: true}),
  }

  static override flags = {
    ...runFlags,
    rate: Flags.string({description: 'The clock runs this many times as fast (1.05 fast, 0.95 slow; 0.1..10).'}),
    for: durationFlag({description: `End the skew after this long, ${DURATION_HINT} (default: until \`cmm chaos heal\`).`}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(ChaosSkew)
    const negative = args.offset.startsWith('-')
    const magnitude = negative ? args.offset.slice(1) : args.offset
    const us = parseDurationUs(magnitude)
    if (us === null) fail(this, `OFFSET: ${durationProblem(magnitude)}`, EXIT.badInput)
    const rate = flags.rate === undefined ? 1 : Number(flags.rate)
    if (!(rate >= 0.1 && rate <= 10)) fail(this, `--rate: expected a number 0.1..10, found ${JSON.stringify(flags.rate)}`, EXIT.badInput)
    await applyFault(this, {outDir: flags.results, runId: flags.run, redisUrl: flags.redis, json: flags.json, request: {node: args.node, signal: 'SKEW', offsetMs: ((negative ? -1 : 1) * us) / 1000, rate, forMs: forMsOf(this, flags.for), restartAfterMs: null}})
  }
}
