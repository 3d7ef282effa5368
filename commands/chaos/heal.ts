import {Args, Command, Flags} from '@oclif/core'
import {applyFault, CHAOS_EXIT_TEXT, runFlags} from '../../src/cli/chaos.js'
import type {HealWhat} from '../../src/chaos/requests.js'

export default class ChaosHeal extends Command {
  static override summary = 'End the network faults and clock skew of a node (or of every node)'
  static override description = `Ends partitions, delays and clock skews on NODE, or on every node without it: held
traffic is delivered in order, the clock steps back to the true time. Exits 5 when there was
nothing to heal. Waits for the orchestrator to confirm.

${CHAOS_EXIT_TEXT}`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> 1',
    '<%= config.bin %> <%= command.id %> 1 --only partition',
  ]

  static override args = {
    node: Args.integer({description: 'node index (0..nodes-1); default: every node'}),
  }

  static override flags = {
    ...runFlags,
    only: Flags.string({description: 'end only this kind of fault', options: ['partition', 'delay', 'skew']}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(ChaosHeal)
    const heal = (flags.only ?? 'all') as HealWhat
    await applyFault(this, {outDir: flags.out, runId: flags.run, request: {node: args.node ?? -1, signal: 'HEAL', heal, restartAfterMs: null}})
  }
}
