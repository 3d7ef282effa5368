// `--redis-wait N`: Redis replicates asynchronously, so a primary may answer a request and die
// before its replica has it; the replica Sentinel promotes has then never heard of the decision
// the node acts on. WAIT N T blocks until N replicas acknowledged every write this connection
// made so far (or T ms passed). It is sent right behind the command it guards, on the same
// connection (pipelined: no extra round trip before the command, one extra reply after it).
import type {Redis} from 'ioredis'
import {keys} from './keys.js'

/** Fewer replicas than asked acknowledged in time: whether the decision survives a failover is unknown. */
export class ReplicationTimeoutError extends Error {
  constructor(readonly wanted: number, readonly acked: number, readonly timeoutMs: number) {
    super(`WAIT ${wanted} ${timeoutMs}: only ${acked} replica(s) acknowledged in time`)
    this.name = 'ReplicationTimeoutError'
  }
}

/**
 * Call synchronously right after issuing the command to guard (same client, no await between):
 * resolves once `replicas` replicas have it. A no-op for 0.
 */
export function waitForReplicas(redis: Redis, replicas: number, timeoutMs: number): Promise<void> {
  if (replicas <= 0) return Promise.resolve()
  const acked = redis.wait(replicas, timeoutMs).then((n) => {
    if (n < replicas) throw new ReplicationTimeoutError(replicas, n, timeoutMs)
  })
  // The caller awaits the guarded command first; a rejection here must not go unhandled meanwhile.
  acked.catch(() => {})
  return acked
}

/**
 * Waits until what this client has READ is replicated: WAIT only counts a connection's own
 * writes, so a reader first makes a write of its own (ordered after everything it read in the
 * replication stream), then waits for it. Used by a node before acting on inbox messages.
 */
export async function readIsReplicated(reader: Redis, runId: string, replicas: number, timeoutMs: number): Promise<void> {
  if (replicas <= 0) return
  const marked = reader.incr(keys.replicationMark(runId))
  const acked = waitForReplicas(reader, replicas, timeoutMs)
  await marked
  await acked
}
