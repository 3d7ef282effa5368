// The --redis-* flags of `cmm run workload` that shape the private Redis and how nodes treat it
// (issue 16, docs/FAILOVER.md), and the rules that tie them together.
import {Flags} from '@oclif/core'
import {durationFlag, DURATION_HINT, integerFlag} from './flags.js'
import {DEFAULT_DURABILITY, DURABILITIES, TOPOLOGIES, type Durability, type Topology} from '../records/redis-setup.js'

export const redisFlags = {
  'redis-topology': Flags.option({options: TOPOLOGIES, default: 'single' as Topology, description: 'The private Redis: single (one redis-server) or sentinel (a primary, one replica and three Sentinels; nodes follow the primary through Sentinel; needed by failover-redis).'})(),
  'redis-durability': Flags.option({options: DURABILITIES, default: DEFAULT_DURABILITY as Durability, description: 'Persistence of the private Redis, an append-only file in the run\'s folder: none (the default and fastest: a restart loses the run), everysec, always (fsync before every reply: a restart loses nothing acknowledged).'})(),
  'redis-wait': integerFlag({min: 0, max: 1})({description: 'Every manager decision, lease renewal and inbox read waits until this many replicas acknowledged it (WAIT N), so a failover cannot lose what a node acted on; 0: asynchronous replication.', default: 0, defaultHelp: async () => '0'}),
  'redis-wait-timeout': durationFlag({description: `With --redis-wait: how long a WAIT may block; a request not replicated in time has an unknown outcome and the node gives its incarnation up; ${DURATION_HINT}.`, default: 1_000_000, defaultHelp: async () => '1s'}),
  'redis-replica-lag': durationFlag({description: `With --redis-topology sentinel: delay the replication stream to the replica by this much (a replica in another zone); ${DURATION_HINT}.`, default: 0, defaultHelp: async () => '0ms'}),
}

export interface RedisSetup {
  readonly redisTopology: Topology
  readonly redisDurability: Durability
  readonly redisReplicaLagMs: number
  readonly redisWait: number
  readonly redisWaitTimeoutMs: number
}

type RedisFlagValues = {readonly redis?: string; readonly 'redis-topology': Topology; readonly 'redis-durability': Durability; readonly 'redis-wait': number; readonly 'redis-wait-timeout': number; readonly 'redis-replica-lag': number}

/** The setup, or what is wrong with the combination (a usage error: exit 2). */
export function redisSetup(f: RedisFlagValues): RedisSetup | string {
  const shaped = f['redis-topology'] !== 'single' || f['redis-durability'] !== DEFAULT_DURABILITY || f['redis-replica-lag'] > 0
  if (f.redis !== undefined && shaped) return '--redis-topology, --redis-durability and --redis-replica-lag shape the private Redis; with --redis URL the given Redis is used as it is'
  if (f['redis-replica-lag'] > 0 && f['redis-topology'] !== 'sentinel') return '--redis-replica-lag needs --redis-topology sentinel (there is no replica otherwise)'
  if (f['redis-wait'] > 0 && f.redis === undefined && f['redis-topology'] !== 'sentinel') return '--redis-wait needs a replica: --redis-topology sentinel (or --redis URL of a Redis with replicas)'
  if (f['redis-wait-timeout'] < 1000) return '--redis-wait-timeout: at least 1ms'
  return {
    redisTopology: f['redis-topology'], redisDurability: f['redis-durability'], redisReplicaLagMs: f['redis-replica-lag'] / 1000,
    redisWait: f['redis-wait'], redisWaitTimeoutMs: Math.round(f['redis-wait-timeout'] / 1000),
  }
}
