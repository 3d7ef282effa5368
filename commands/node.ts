import {Flags} from '@oclif/core'
import {integerFlag, redisUrlFlag} from '../src/cli/flags.js'
import {CmmCommand} from '../src/cli/command.js'
import {fail} from '../src/cli/fail.js'
import {LeaseLostError} from '../src/node/lease.js'
import {EXIT, NODE_EXIT} from '../src/records/exit-codes.js'
import {RunMetaError} from '../src/node/run-meta.js'
import {NoOrchestratorError} from '../src/redis/heartbeat.js'
import {REDIS_URL_ENV} from '../src/util/redis-url.js'

export default class Node extends CmmCommand {
  static override summary = 'Run one node of a live run (for nodes on other hosts)'
  static override description = `Joins a run started with \`cmm run workload FILE --redis URL --external-nodes\`:
reads the workload and settings from Redis, plays node K's part, and keeps answering lock callbacks until the run ends. Nodes talk to each other and to the orchestrator only through Redis, so this can run on any host that reaches that Redis (history times assume synchronised clocks across hosts).

Exit status: 0 done, 2 the run cannot be joined (no such run, its meta is malformed or out of bounds, no live orchestrator, not started within 10 minutes; bad --redis), 3 lease lost (rejoin with --incarnation N+1), 4 Redis unreachable or the node failed.

--network-faults: connect through the fault proxy the orchestrator runs for this node (the run must be started with --network-faults), so \`cmm chaos partition\` and \`cmm chaos delay\` reach this node too.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --redis redis://10.0.0.5:6379 --run 20261125-150400-ab12 --id 1',
    '<%= config.bin %> <%= command.id %> --redis redis://10.0.0.5:6379 --run 20261125-150400-ab12 --id 1 --network-faults',
  ]

  static override flags = {
    redis: redisUrlFlag({description: `the run's Redis (redis://[:password@]host:port, or a Unix socket path); also read from ${REDIS_URL_ENV}, which keeps a password out of \`ps\``, required: true}),
    run: Flags.string({description: 'run id printed by `cmm run workload --external-nodes`', required: true}),
    id: integerFlag({min: 0})({description: 'this node\'s id, 0..nodes-1', required: true}),
    'network-faults': Flags.boolean({description: 'Connect through this node\'s fault proxy (a run started with --network-faults), so network faults reach it.', default: false}),
    incarnation: integerFlag({min: 0})({description: 'restart number of this node (0 first; a node that lost its lease (exit 3) rejoins with the next one)', default: 0}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Node)
    try {
      // Loaded here, not at the top: ioredis and hdr-histogram-js are only needed once the flags are good.
      const {runNode} = await import('../src/node/node.js')
      const {lookUpProxyUrl} = await import('../src/redis/proxies.js')
      const redisUrl = flags['network-faults'] ? await lookUpProxyUrl(flags.redis, flags.run, flags.id) : flags.redis
      await runNode({redisUrl, runId: flags.run, node: flags.id, incarnation: flags.incarnation})
    } catch (error) {
      if (error instanceof RunMetaError || error instanceof NoOrchestratorError) fail(this, `node ${flags.id}: ${error.message}`, EXIT.badInput)
      if (error instanceof LeaseLostError) fail(this, `node ${flags.id}: ${error.message}; rejoin with --incarnation ${flags.incarnation + 1}`, NODE_EXIT.leaseLost)
      fail(this, `node ${flags.id}: ${(error as Error).message}`, EXIT.runFailed)
    }
  }
}
