import {Args, Command, Flags} from '@oclif/core'
import {EXIT} from '../../src/records/exit-codes.js'
import {fail} from '../../src/cli/fail.js'
import {applyFault, CHAOS_EXIT_TEXT, durationFlagMs, runFlags} from '../../src/cli/chaos.js'
import {DURATION_HINT} from '../../src/workload/values.js'

export default class ChaosDelay extends Command {
  static override summary = 'Delay a node\'s traffic to and from Redis'
  static override description = `The run must have been started with --network-faults (or have a network fault in its
chaos:). Every message between the node and Redis waits DELAY (plus a uniform jitter of
+-JITTER) in each direction, in order; a round trip gains twice the delay. Waits for the
orchestrator to confirm.

${CHAOS_EXIT_TEXT}`

  static override examples = [
    '<%= config.bin %> <%= command.id %> 1 20ms',
    '<%= config.bin %> <%= command.id %> 1 20ms --jitter 5ms --for 3s',
  ]

  static override args = {
    node: Args.integer({description: 'node index (0..nodes-1)', required: true}),
    delay: Args.string({description: `added to each direction, ${DURATION_HINT}`, required: true}),
  }

  static override flags = {
    ...runFlags,
    jitter: Flags.string({description: `each message waits delay +- a uniform share of this, ${DURATION_HINT}`}),
    for: Flags.string({description: `end the delay after this long, ${DURATION_HINT} (default: until \`cmm chaos heal\`)`}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(ChaosDelay)
    const delayMs = durationFlagMs(this, 'delay (argument)', args.delay)!
    const jitterMs = durationFlagMs(this, 'jitter', flags.jitter) ?? 0
    if (jitterMs > delayMs) fail(this, `--jitter ${flags.jitter} is more than the delay ${args.delay}`, EXIT.badInput)
    const forMs = durationFlagMs(this, 'for', flags.for)
    await applyFault(this, {outDir: flags.out, runId: flags.run, request: {node: args.node, signal: 'DELAY', delayMs, jitterMs, forMs, restartAfterMs: null}})
  }
}
