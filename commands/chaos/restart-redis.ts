import {RedisFaultCommand, REDIS_FAULT_EXIT_TEXT} from '../../src/cli/redis-fault-command.js'

export default class ChaosRestartRedis extends RedisFaultCommand {
  static override summary = 'Restart the private Redis of a live `cmm run workload` on its own data'
  static override description = `Finds the live run (the latest in --results, or --run RUN_ID) and asks its orchestrator to SIGKILL its private Redis primary and start it again on the same port and folder. With --redis-durability always (or everysec) the server reloads its append-only file and the run goes on: nodes reconnect, and an incarnation caught with a manager request in flight is purged and restarted. With none it comes back empty and the run ends (failed, exit 4) with the account of what was lost. Logged in results/RUN/events.jsonl (redis-restart, redis-restarted) and run.json redisFaults.

${REDIS_FAULT_EXIT_TEXT}`

  protected readonly fault = 'restart-redis'

  protected async send(o: {outDir: string; runId?: string}) {
    // ioredis is loaded only once the flags are known to be good.
    const [{redisFault}, {RESTART_REDIS}] = await Promise.all([import('../../src/chaos/kill-node.js'), import('../../src/chaos/requests.js')])
    return redisFault({...o, signal: RESTART_REDIS})
  }
}
