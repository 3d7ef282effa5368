import {Args} from '@oclif/core'
import {CmmCommand} from '../../src/cli/command.js'
import {DURATION_HINT, durationFlag, integerArg} from '../../src/cli/flags.js'
import {EXIT} from '../../src/records/exit-codes.js'
import {fail} from '../../src/cli/fail.js'
import {applyFault, CHAOS_EXIT_TEXT, forMsOf, msOf, runFlags} from '../../src/cli/chaos.js'
import {durationProblem, parseDurationUs} from '../../src/workload/duration.js'

export default class ChaosDelay extends CmmCommand {
  static override summary = 'Delay a node\'s traffic to and from Redis'
  static override description = `The run must have been started with --network-faults (or have a partition: or delay: step in its chaos:). Every message between the node and Redis waits DELAY, plus or minus a uniform share of --jitter, in each direction and in order: a round trip gains twice the delay. Waits for the orchestrator to confirm.

${CHAOS_EXIT_TEXT}`

  static override examples = [
    '<%= config.bin %> <%= command.id %> 1 20ms',
    '<%= config.bin %> <%= command.id %> 1 20ms --jitter 5ms --for 3s',
  ]

  static override args = {
    node: integerArg({min: 0})({description: 'node index (0..nodes-1)', required: true}),
    delay: Args.string({description: `added to each direction, ${DURATION_HINT}`, required: true}),
  }

  static override flags = {
    ...runFlags,
    jitter: durationFlag({description: `Each message waits the delay plus or minus a uniform share of this, ${DURATION_HINT}.`}),
    for: durationFlag({description: `End the delay after this long, ${DURATION_HINT} (default: until \`cmm chaos heal\`).`}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(ChaosDelay)
    const delayUs = parseDurationUs(args.delay)
    if (delayUs === null) fail(this, `DELAY: ${durationProblem(args.delay)}`, EXIT.badInput)
    const jitterMs = msOf(flags.jitter) ?? 0
    if (jitterMs * 1000 > delayUs) fail(this, `--jitter is more than the delay ${args.delay}`, EXIT.badInput)
    await applyFault(this, {outDir: flags.results, runId: flags.run, redisUrl: flags.redis, json: flags.json, request: {node: args.node, signal: 'DELAY', delayMs: delayUs / 1000, jitterMs, forMs: forMsOf(this, flags.for), restartAfterMs: null}})
  }
}
