// The private Redis of a run as one thing the orchestrator starts, faults and stops, whatever its
// shape (`--redis-topology`): a single redis-server, or a primary, a replica and three Sentinels
// (topology/sentinel.ts). Every process runs under server.ts's watchdog: none outlives the run.
import {join} from 'node:path'
import {restartRedisServer, startRedisServer, type RedisServer} from '../server.js'
import {persistenceArgs, type Durability} from '../durability.js'
import {startSentinelGroup, type FailoverResult} from './sentinel.js'

import type {Topology} from '../../records/redis-setup.js'

export {TOPOLOGIES, type Topology} from '../../records/redis-setup.js'

export interface DeploymentOptions {
  readonly topology: Topology
  readonly durability: Durability
  /** The run's folder: the servers' files (AOF, sentinel configs) go to DIR/redis/. */
  readonly dir: string
  /** sentinel only: delay of the replication stream (ms; 0 = a direct link). */
  readonly replicaLagMs?: number
  /** single only: also listen on this Unix socket (nodes on this machine use it; it outlives a restart). */
  readonly socketPath?: string
}

export interface RedisDeployment {
  /** What clients connect to: redis://127.0.0.1:PORT, or redis-sentinel://h:p,h:p,h:p/NAME. */
  readonly url: string
  /** What clients on this machine connect to: the Unix socket when there is one, else `url`. */
  readonly localUrl: string
  readonly topology: Topology
  readonly durability: Durability
  /** A plain URL of the current primary (what a fault snapshots before it strikes). */
  primaryUrl(): Promise<string>
  /** SIGKILLs the primary and starts it again on its own data (`restart-redis`). */
  restart(): Promise<void>
  /**
   * sentinel: the primary's crash as its replica sees it (nothing more reaches it; with a lagging
   * link, what is still on its way is lost). Called right before the pause, marks and kill.
   */
  cutReplication(): void
  /** sentinel: SIGKILLs the primary, waits for Sentinel to promote the replica, brings the old one back as a replica. */
  failover(): Promise<FailoverResult>
  stop(): Promise<void>
}

export async function startDeployment(o: DeploymentOptions): Promise<RedisDeployment> {
  if (o.topology === 'sentinel') return startSentinelGroup({dir: join(o.dir, 'redis'), durability: o.durability, replicaLagMs: o.replicaLagMs ?? 0})
  // No file at all without persistence: the run's folder gets nothing it does not need.
  const socket = o.socketPath === undefined ? {} : {socketPath: o.socketPath}
  const server0 = await startRedisServer(o.durability === 'none' ? socket : {...socket, dir: join(o.dir, 'redis'), args: persistenceArgs(o.durability)})
  let server: RedisServer = server0
  return {
    url: server0.url,
    localUrl: server0.socket ?? server0.url,
    topology: 'single',
    durability: o.durability,
    primaryUrl: async () => server.url,
    restart: async () => {
      server = await restartRedisServer(server)
    },
    cutReplication: () => {},
    failover: () => Promise.reject(new Error('failover-redis needs --redis-topology sentinel (a replica to promote)')),
    stop: () => server.stop(),
  }
}
