import {Command, Flags} from '@oclif/core'
import {ChaosTargetError, redisFault} from '../../src/chaos/kill-node.js'
import {RESTART_REDIS} from '../../src/chaos/requests.js'
import {EXIT} from '../../src/records/exit-codes.js'
import {fail, isExit} from '../../src/cli/fail.js'

export default class ChaosRestartRedis extends Command {
  static override summary = 'Restart the private Redis of a live `cmm run workload` on its own data'
  static override description = `Finds the live run (the latest in --out, or --run RUN_ID) and asks its orchestrator to SIGKILL
its private Redis primary and start it again on the same port and folder. With
--redis-durability always (or everysec) the server reloads its append-only file and the run goes
on: nodes reconnect, and an incarnation caught with a manager request in flight is purged and
restarted. With none it comes back empty and the run ends (failed, exit 4) with the account of
what was lost. Logged in results/RUN/events.jsonl (redis-restart, redis-restarted) and run.json
redisFaults.

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
    const {flags} = await this.parse(ChaosRestartRedis)
    try {
      const {run} = await redisFault({outDir: flags.out, runId: flags.run, signal: RESTART_REDIS})
      this.log(`sent restart-redis to run ${run.runId}`)
    } catch (error) {
      if (isExit(error)) throw error
      if (error instanceof ChaosTargetError) fail(this, error.message, EXIT.badInput)
      fail(this, `chaos: ${(error as Error).message}`, EXIT.runFailed)
    }
  }
}
