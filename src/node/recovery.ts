// How a node rides out a Redis restart or failover (issue 16). With a Redis that keeps the run's
// state (AOF, or a replica promoted by Sentinel), a dropped connection is not the end: ioredis
// reconnects (through Sentinel: to the new primary), commands wait for it, the inbox is re-read
// from the last id the node saw, and the lease proves on its next renewal that the node was not
// declared dead meanwhile. Only a manager request caught in flight is fatal to the incarnation:
// ioredis re-sends it after the reconnection, and whether the first copy was executed (and kept)
// is unknown, so its reply cannot be trusted; the incarnation gives its lease up and is purged
// and restarted as after a kill.
import type {Redis} from 'ioredis'
import {ProtocolError} from '../protocol/manager.js'
import type {DiskPage, ManagerRequest, PageRef, ReplyTo} from '../protocol/types.js'
import type {LockManager, OutboxEntry} from '../records/lock-manager.js'
import type {RedisRecovery} from '../records/run-meta.js'
import type {Lease} from './lease.js'

/** Counts manager requests awaiting their reply; a failure other than a protocol error is an unknown outcome. */
export class InflightManager implements LockManager {
  inflight = 0

  constructor(private readonly inner: LockManager, private readonly onUnknownOutcome: (error: Error) => void) {}

  async send<R extends ManagerRequest>(request: R, records?: readonly OutboxEntry[]): Promise<ReplyTo<R>> {
    this.inflight++
    try {
      return await this.inner.send(request, records)
    } catch (error) {
      if (!(error instanceof ProtocolError)) this.onUnknownOutcome(error as Error)
      throw error
    } finally {
      this.inflight--
    }
  }

  readDisk(page: PageRef): Promise<DiskPage> {
    return this.inner.readDisk(page)
  }
}

/**
 * Decides what a closed connection means. `manager` is the client the manager requests use;
 * `closing` is true once the node is shutting down on purpose.
 */
export function watchConnections(o: {
  readonly clients: readonly Redis[]
  readonly manager: {readonly client: Redis; readonly requests: InflightManager}
  readonly recovery: RedisRecovery
  readonly lease: Lease
  readonly proc: number
  readonly closing: () => boolean
}): void {
  for (const client of o.clients) {
    client.on('close', () => {
      if (o.closing()) return
      // A Redis without persistence forgot everything: nothing held can be trusted any more.
      if (!o.recovery.reconnect) return o.lease.connectionLost(`process ${o.proc}: connection to Redis closed`)
      if (client === o.manager.client && o.manager.requests.inflight > 0) {
        o.lease.connectionLost(`process ${o.proc}: connection to Redis closed with ${o.manager.requests.inflight} manager request(s) in flight (outcome unknown)`, 'redis-uncertain')
      }
    })
  }
}
