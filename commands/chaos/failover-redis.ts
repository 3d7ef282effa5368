import {RedisFaultCommand, REDIS_FAULT_EXIT_TEXT} from '../../src/cli/redis-fault-command.js'

export default class ChaosFailoverRedis extends RedisFaultCommand {
  static override summary = 'Kill the Redis primary of a live --redis-topology sentinel run; Sentinel promotes the replica'
  static override description = `Finds the live run (the latest in --results, or --run RUN_ID) and asks its orchestrator to SIGKILL the primary of its private Redis (--redis-topology sentinel). Sentinel promotes the replica, the nodes follow it, the old primary comes back as the new one's replica. What the replica had not received is lost (run.json redisFaults; docs/FAILOVER.md); --redis-wait 1 prevents acting on it. Logged in results/RUN/events.jsonl (redis-failover, redis-failed-over).

${REDIS_FAULT_EXIT_TEXT}`

  protected readonly fault = 'failover-redis'

  protected async send(o: {outDir: string; runId?: string}) {
    // ioredis is loaded only once the flags are known to be good.
    const [{redisFault}, {FAILOVER_REDIS}] = await Promise.all([import('../../src/chaos/kill-node.js'), import('../../src/chaos/requests.js')])
    return redisFault({...o, signal: FAILOVER_REDIS})
  }
}
