import {Args, Flags} from '@oclif/core'
import {CmmCommand} from '../../src/cli/command.js'
import {parseDurationUs, DURATION_HINT} from '../../src/workload/values.js'
import {ChaosTargetError, killNode} from '../../src/chaos/kill-node.js'
import {CHAOS_SIGNALS, type ChaosSignal} from '../../src/chaos/requests.js'
import {EXIT} from '../../src/records/exit-codes.js'
import {fail, isExit} from '../../src/cli/fail.js'

export default class ChaosKillNode extends CmmCommand {
  static override summary = 'Kill, pause or resume a node of a live `cmm run workload`'
  static override description = `Finds the live run (the latest in --out, or --run RUN_ID) and asks its orchestrator to
signal the node's process: KILL (lease expires, locks purged, optionally restarted as a new
incarnation), STOP (a pause; past the lease the node is declared dead and fenced) or CONT.
Every step is logged in results/RUN/events.jsonl.

Exit status: 0 request delivered, 2 no such live run or node, 4 Redis unreachable.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> 1',
    '<%= config.bin %> <%= command.id %> 1 --restart-after 2s',
    '<%= config.bin %> <%= command.id %> 0 --signal STOP --for 4s',
    '<%= config.bin %> <%= command.id %> 2 --run 20260101-120000-ab12 --signal CONT',
  ]

  static override args = {
    node: Args.integer({description: 'node index (0..nodes-1)', required: true}),
  }

  static override flags = {
    run: Flags.string({description: 'run id (default: the latest live run in --out)'}),
    signal: Flags.string({description: 'what to do to the node', options: [...CHAOS_SIGNALS], default: 'KILL'}),
    'restart-after': Flags.string({description: `KILL: restart the node as a new incarnation after this long, ${DURATION_HINT}`}),
    for: Flags.string({description: `STOP: send CONT after this long, ${DURATION_HINT}`}),
    out: Flags.string({description: 'results folder where live runs register', default: 'results'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(ChaosKillNode)
    const ms = (name: string, value: string | undefined): number | null => {
      if (value === undefined) return null
      const us = parseDurationUs(value)
      if (us === null) fail(this, `--${name}: expected ${DURATION_HINT}, found ${JSON.stringify(value)}`, EXIT.badInput)
      return us / 1000
    }
    const signal = flags.signal as ChaosSignal
    const restartAfterMs = ms('restart-after', flags['restart-after'])
    const resumeAfterMs = ms('for', flags.for)
    if (restartAfterMs !== null && signal !== 'KILL') fail(this, '--restart-after goes with --signal KILL', EXIT.badInput)
    if (resumeAfterMs !== null && signal !== 'STOP') fail(this, '--for goes with --signal STOP', EXIT.badInput)
    try {
      const {run} = await killNode({outDir: flags.out, runId: flags.run, node: args.node, signal, restartAfterMs, resumeAfterMs})
      const then = restartAfterMs !== null ? `, restart after ${restartAfterMs} ms` : resumeAfterMs !== null ? `, resume after ${resumeAfterMs} ms` : ''
      this.log(`sent ${signal} for node ${args.node} to run ${run.runId}${then}`)
    } catch (error) {
      if (isExit(error)) throw error
      if (error instanceof ChaosTargetError) fail(this, error.message, EXIT.badInput)
      fail(this, `chaos: ${(error as Error).message}`, EXIT.runFailed)
    }
  }
}
