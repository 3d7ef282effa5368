import {Flags} from '@oclif/core'
import {CmmCommand} from '../../src/cli/command.js'
import {integerArg} from '../../src/cli/flags.js'
import {applyFault, CHAOS_EXIT_TEXT, runFlags} from '../../src/cli/chaos.js'

export default class ChaosHeal extends CmmCommand {
  static override summary = 'End the network faults and clock skew of a node (or of every node)'
  static override description = `Ends the partitions, delays and clock skews of NODE, or of every node without it: held traffic is delivered in order, the clock steps back to the true time. Exits 5 when there was nothing to heal. Waits for the orchestrator to confirm.

${CHAOS_EXIT_TEXT}`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> 1',
    '<%= config.bin %> <%= command.id %> 1 --only partition',
  ]

  static override args = {
    node: integerArg({min: 0})({description: 'node index (0..nodes-1); default: every node'}),
  }

  static override flags = {
    ...runFlags,
    only: Flags.option({description: 'End only this kind of fault.', options: ['partition', 'delay', 'skew'] as const})(),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(ChaosHeal)
    await applyFault(this, {outDir: flags.results, runId: flags.run, redisUrl: flags.redis, json: flags.json, request: {node: args.node ?? -1, signal: 'HEAL', heal: flags.only ?? 'all', restartAfterMs: null}})
  }
}
