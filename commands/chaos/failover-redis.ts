import {CmmCommand} from '../../src/cli/command.js'
import {applyFault, CHAOS_EXIT_TEXT, runFlags} from '../../src/cli/chaos.js'
import {FAILOVER_REDIS} from '../../src/chaos/requests.js'

export default class ChaosFailoverRedis extends CmmCommand {
  static override summary = 'Kill the Redis primary of a live --redis-topology sentinel run; Sentinel promotes the replica'
  static override description = `Finds the live run (the latest in --results, or --run RUN_ID) and asks its orchestrator to SIGKILL the primary of its private Redis (--redis-topology sentinel). Sentinel promotes the replica, the nodes follow it, the old primary comes back as the new one's replica. What the replica had not received is lost (run.json redisFaults; docs/FAILOVER.md); --redis-wait 1 prevents acting on it. Logged in results/RUN/events.jsonl (redis-failover, redis-failed-over).

${CHAOS_EXIT_TEXT}`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --run 20260101-120000-ab12',
  ]

  static override flags = runFlags

  async run(): Promise<void> {
    const {flags} = await this.parse(ChaosFailoverRedis)
    await applyFault(this, {outDir: flags.results, runId: flags.run, redisUrl: flags.redis, json: flags.json, request: {node: -1, signal: FAILOVER_REDIS, restartAfterMs: null}})
  }
}
