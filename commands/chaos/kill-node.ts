import {Args, Flags} from '@oclif/core'
import {CmmCommand} from '../../src/cli/command.js'
import {durationFlag, DURATION_HINT} from '../../src/cli/flags.js'
import {resultsFlag} from '../../src/cli/results-flag.js'
import {CHAOS_SIGNALS, type ChaosSignal} from '../../src/chaos/requests.js'
import {UsageError} from '../../src/protocol/errors.js'
import {EXIT} from '../../src/records/exit-codes.js'
import {fail, isExit} from '../../src/cli/fail.js'
import {REDIS_URL_ENV} from '../../src/util/redis-url.js'

export default class ChaosKillNode extends CmmCommand {
  static override summary = 'Kill, pause or resume a node of a live `cmm run workload`'
  static override description = `Finds the live run (the latest in --results, or --run RUN_ID) and asks its orchestrator to signal the node's process: KILL (lease expires, locks purged, optionally restarted as a new incarnation), STOP (a pause; past the lease the node is declared dead and fenced) or CONT. Every step is logged in results/RUN/events.jsonl.

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
    run: Flags.string({description: 'Run id (default: the latest live run in --results).'}),
    signal: Flags.option({description: 'What to do to the node.', options: CHAOS_SIGNALS, default: 'KILL' as ChaosSignal})(),
    'restart-after': durationFlag({description: `KILL: restart the node as a new incarnation after this long, ${DURATION_HINT}.`}),
    for: durationFlag({description: `STOP: send CONT after this long, ${DURATION_HINT}.`}),
    results: resultsFlag('Results folder where live runs register.'),
    json: Flags.boolean({description: 'Print what was sent as one JSON document.', default: false}),
    redis: Flags.string({description: `The run's Redis URL, needed when it has a password (live.json stores it without); also read from ${REDIS_URL_ENV}.`, env: REDIS_URL_ENV}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(ChaosKillNode)
    const signal = flags.signal
    const restartAfterMs = flags['restart-after'] === undefined ? null : flags['restart-after'] / 1000
    const resumeAfterMs = flags.for === undefined ? null : flags.for / 1000
    if (restartAfterMs !== null && signal !== 'KILL') fail(this, '--restart-after goes with --signal KILL', EXIT.badInput)
    if (resumeAfterMs !== null && signal !== 'STOP') fail(this, '--for goes with --signal STOP', EXIT.badInput)
    try {
      // ioredis is loaded only once the flags are known to be good.
      const {killNode} = await import('../../src/chaos/kill-node.js')
      const {run} = await killNode({outDir: flags.results, runId: flags.run, redisUrl: flags.redis, node: args.node, signal, restartAfterMs, resumeAfterMs})
      if (flags.json) return this.log(JSON.stringify({runId: run.runId, node: args.node, signal, restartAfterMs, resumeAfterMs}, null, 2))
      const then = restartAfterMs !== null ? `, restart after ${restartAfterMs} ms` : resumeAfterMs !== null ? `, resume after ${resumeAfterMs} ms` : ''
      this.log(`sent ${signal} for node ${args.node} to run ${run.runId}${then}`)
    } catch (error) {
      if (isExit(error)) throw error
      if (error instanceof UsageError) fail(this, error.message, EXIT.badInput)
      fail(this, `chaos: ${(error as Error).message}`, EXIT.runFailed)
    }
  }
}
