import {Flags} from '@oclif/core'
import {CmmCommand} from '../../src/cli/command.js'
import {DURATION_HINT, durationFlag, integerArg} from '../../src/cli/flags.js'
import {applyFault, CHAOS_EXIT_TEXT, forMsOf, runFlags} from '../../src/cli/chaos.js'
import {ONE_WAY_DIRECTIONS, type PartitionDirection} from '../../src/workload/types.js'

export default class ChaosPartition extends CmmCommand {
  static override summary = 'Cut a node of a live run off from Redis (a network partition)'
  static override description = `The run must have been started with --network-faults (or have a partition: or delay: step in its chaos:). The node's fault proxy stops delivering its traffic, both ways or one way, while the node keeps running. Its lease lapses (it completes no access past it), the manager declares it dead and regrants its locks; on heal its held traffic arrives late and its write-backs are refused (fencing), and it rejoins as a new incarnation. Waits for the orchestrator to confirm.

${CHAOS_EXIT_TEXT}`

  static override examples = [
    '<%= config.bin %> <%= command.id %> 1 --for 3s',
    '<%= config.bin %> <%= command.id %> 0 --one-way to-redis',
    '<%= config.bin %> <%= command.id %> 2 --one-way from-redis --for 500ms --run 20260101-120000-ab12',
  ]

  static override args = {
    node: integerArg({min: 0})({description: 'node index (0..nodes-1)', required: true}),
  }

  static override flags = {
    ...runFlags,
    for: durationFlag({description: `Heal after this long, ${DURATION_HINT} (default: until \`cmm chaos heal\` or the end of the run).`}),
    'one-way': Flags.option({description: 'Cut only one direction: to-redis (what the node sends is held) or from-redis (what Redis sends it is held).', options: ONE_WAY_DIRECTIONS})(),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(ChaosPartition)
    const direction: PartitionDirection = flags['one-way'] ?? 'both'
    await applyFault(this, {outDir: flags.results, runId: flags.run, redisUrl: flags.redis, json: flags.json, request: {node: args.node, signal: 'PARTITION', direction, forMs: forMsOf(this, flags.for), restartAfterMs: null}})
  }
}
