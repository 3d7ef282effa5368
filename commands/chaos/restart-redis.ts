import {CmmCommand} from '../../src/cli/command.js'
import {applyFault, CHAOS_EXIT_TEXT, runFlags} from '../../src/cli/chaos.js'
import {RESTART_REDIS} from '../../src/chaos/requests.js'

export default class ChaosRestartRedis extends CmmCommand {
  static override summary = 'Restart the private Redis of a live `cmm run workload` on its own data'
  static override description = `Finds the live run (the latest in --results, or --run RUN_ID) and asks its orchestrator to SIGKILL its private Redis primary and start it again on the same port and folder. With --redis-durability always (or everysec) the server reloads its append-only file and the run goes on: nodes reconnect, and an incarnation caught with a manager request in flight is purged and restarted. With none it comes back empty and the run ends (failed, exit 4) with the account of what was lost. Logged in results/RUN/events.jsonl (redis-restart, redis-restarted) and run.json redisFaults.

${CHAOS_EXIT_TEXT}`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --run 20260101-120000-ab12',
  ]

  static override flags = runFlags

  async run(): Promise<void> {
    const {flags} = await this.parse(ChaosRestartRedis)
    await applyFault(this, {outDir: flags.results, runId: flags.run, redisUrl: flags.redis, json: flags.json, request: {node: -1, signal: RESTART_REDIS, restartAfterMs: null}})
  }
}
