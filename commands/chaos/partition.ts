import {Args, Command, Flags} from '@oclif/core'
import {applyFault, CHAOS_EXIT_TEXT, durationFlagMs, runFlags} from '../../src/cli/chaos.js'
import {DURATION_HINT} from '../../src/workload/values.js'
import {ONE_WAY_DIRECTIONS, type PartitionDirection} from '../../src/workload/types.js'

export default class ChaosPartition extends Command {
  static override summary = 'Cut a node of a live run off from Redis (a network partition)'
  static override description = `The run must have been started with --network-faults (or have a network fault in its
chaos:): the node's fault proxy stops delivering its traffic, both ways or one way, while the
node keeps running. Its lease lapses (it completes no access past it), the manager declares it
dead and regrants its locks; on heal, its held traffic arrives late and its write-backs are
refused (fencing). Waits for the orchestrator to confirm.

${CHAOS_EXIT_TEXT}`

  static override examples = [
    '<%= config.bin %> <%= command.id %> 1 --for 3s',
    '<%= config.bin %> <%= command.id %> 0 --one-way to-redis',
    '<%= config.bin %> <%= command.id %> 2 --one-way from-redis --for 500ms --run 20260101-120000-ab12',
  ]

  static override args = {
    node: Args.integer({description: 'node index (0..nodes-1)', required: true}),
  }

  static override flags = {
    ...runFlags,
    for: Flags.string({description: `heal after this long, ${DURATION_HINT} (default: until \`cmm chaos heal\` or the end of the run)`}),
    'one-way': Flags.string({description: 'cut only one direction: to-redis (the node\'s commands are held) or from-redis (replies and messages are held)', options: [...ONE_WAY_DIRECTIONS]}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(ChaosPartition)
    const forMs = durationFlagMs(this, 'for', flags.for)
    const direction = (flags['one-way'] ?? 'both') as PartitionDirection
    await applyFault(this, {outDir: flags.out, runId: flags.run, request: {node: args.node, signal: 'PARTITION', direction, forMs, restartAfterMs: null}})
  }
}
