import {Args, Command, Flags} from '@oclif/core'
import {EXIT} from '../../src/records/exit-codes.js'
import {fail} from '../../src/cli/fail.js'
import {applyFault, CHAOS_EXIT_TEXT, durationFlagMs, runFlags} from '../../src/cli/chaos.js'
import {DURATION_HINT} from '../../src/workload/values.js'

export default class ChaosSkew extends Command {
  static override summary = 'Skew a node\'s protocol clock (offset, and optionally a rate)'
  static override description = `The node's protocol clock (lease deadline, hold time, timers) is offset by OFFSET (a
leading - puts it behind) and, with --rate, runs that many times as fast from now on. The times
the node records in the history stay on the true clock, so the checks judge the protocol, not
the skew. Works on any live run. Waits for the orchestrator to confirm.

${CHAOS_EXIT_TEXT}`

  static override examples = [
    '<%= config.bin %> <%= command.id %> 1 300ms',
    '<%= config.bin %> <%= command.id %> 1 0ms --rate 1.05',
    '<%= config.bin %> <%= command.id %> 0 -- -200ms --for 5s',
  ]

  static override args = {
    node: Args.integer({description: 'node index (0..nodes-1)', required: true}),
    offset: Args.string({description: `clock offset, ${DURATION_HINT}; negative: -300ms`, required: true}),
  }

  static override flags = {
    ...runFlags,
    rate: Flags.string({description: 'the clock runs this many times as fast (1.05 fast, 0.95 slow; 0.1..10)'}),
    for: Flags.string({description: `end the skew after this long, ${DURATION_HINT} (default: until \`cmm chaos heal\`)`}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(ChaosSkew)
    const negative = args.offset.startsWith('-')
    const offsetMs = (negative ? -1 : 1) * durationFlagMs(this, 'offset (argument)', negative ? args.offset.slice(1) : args.offset)!
    const rate = flags.rate === undefined ? 1 : Number(flags.rate)
    if (!(rate >= 0.1 && rate <= 10)) fail(this, `--rate: expected a number 0.1..10, found ${JSON.stringify(flags.rate)}`, EXIT.badInput)
    const forMs = durationFlagMs(this, 'for', flags.for)
    await applyFault(this, {outDir: flags.out, runId: flags.run, request: {node: args.node, signal: 'SKEW', offsetMs, rate, forMs, restartAfterMs: null}})
  }
}
