import {Flags} from '@oclif/core'
import {CmmCommand} from '../../src/cli/command.js'
import {DURATION_HINT, durationFlag, integerArg} from '../../src/cli/flags.js'
import {CHAOS_SIGNALS, type ChaosSignal} from '../../src/chaos/requests.js'
import {EXIT} from '../../src/records/exit-codes.js'
import {fail} from '../../src/cli/fail.js'
import {applyFault, CHAOS_EXIT_TEXT, forMsOf, msOf, runFlags} from '../../src/cli/chaos.js'

export default class ChaosKillNode extends CmmCommand {
  static override summary = 'Kill, pause or resume a node of a live `cmm run workload`'
  static override description = `Finds the live run (the latest in --results, or --run RUN_ID) and asks its orchestrator to signal the node's process: KILL (lease expires, locks purged, optionally restarted as a new incarnation), STOP (a pause; past the lease the node is declared dead and fenced) or CONT. Waits for the orchestrator to confirm; every step is logged in results/RUN/events.jsonl.

${CHAOS_EXIT_TEXT}`

  static override examples = [
    '<%= config.bin %> <%= command.id %> 1',
    '<%= config.bin %> <%= command.id %> 1 --restart-after 2s',
    '<%= config.bin %> <%= command.id %> 0 --signal STOP --for 4s',
    '<%= config.bin %> <%= command.id %> 2 --run 20260101-120000-ab12 --signal CONT',
  ]

  static override args = {
    node: integerArg({min: 0})({description: 'node index (0..nodes-1)', required: true}),
  }

  static override flags = {
    ...runFlags,
    signal: Flags.option({description: 'What to do to the node.', options: CHAOS_SIGNALS, default: 'KILL' as ChaosSignal})(),
    'restart-after': durationFlag({description: `KILL: restart the node as a new incarnation after this long, ${DURATION_HINT}.`}),
    for: durationFlag({description: `STOP: send CONT after this long, ${DURATION_HINT}.`}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(ChaosKillNode)
    const signal = flags.signal
    const restartAfterMs = msOf(flags['restart-after'])
    const resumeAfterMs = forMsOf(this, flags.for)
    if (restartAfterMs !== null && signal !== 'KILL') fail(this, '--restart-after goes with --signal KILL', EXIT.badInput)
    if (resumeAfterMs !== null && signal !== 'STOP') fail(this, '--for goes with --signal STOP', EXIT.badInput)
    await applyFault(this, {outDir: flags.results, runId: flags.run, redisUrl: flags.redis, json: flags.json, request: {node: args.node, signal, restartAfterMs, resumeAfterMs}})
  }
}
