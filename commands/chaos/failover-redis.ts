import {Command, Flags} from '@oclif/core'
import {ChaosTargetError, redisFault} from '../../src/chaos/kill-node.js'
import {FAILOVER_REDIS} from '../../src/chaos/requests.js'
import {EXIT} from '../../src/records/exit-codes.js'
import {fail, isExit} from '../../src/cli/fail.js'

export default class ChaosFailoverRedis extends Command {
  static override summary = 'Kill the Redis primary of a live --redis-topology sentinel run; Sentinel promotes the replica'
  static override description = `Finds the live run (the latest in --out, or --run RUN_ID) and asks its orchestrator to SIGKILL
the primary of its private Redis (--redis-topology sentinel). Sentinel promotes the replica, the
nodes follow it, the old primary comes back as the new one's replica. What the replica had not
received is lost (run.json redisFaults; docs/FAILOVER.md); --redis-wait 1 prevents acting on it.
Logged in results/RUN/events.jsonl (redis-failover, redis-failed-over).

Exit status: 0 request delivered, 2 no such live run (or it cannot take this fault), 4 Redis unreachable.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --run 20260101-120000-ab12',
  ]

  static override flags = {
    run: Flags.string({description: 'run id (default: the latest live run in --out)'}),
    out: Flags.string({description: 'results folder where live runs register', default: 'results'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(ChaosFailoverRedis)
    try {
      const {run} = await redisFault({outDir: flags.out, runId: flags.run, signal: FAILOVER_REDIS})
      this.log(`sent failover-redis to run ${run.runId}`)
    } catch (error) {
      if (isExit(error)) throw error
      if (error instanceof ChaosTargetError) fail(this, error.message, EXIT.badInput)
      fail(this, `chaos: ${(error as Error).message}`, EXIT.runFailed)
    }
  }
}
