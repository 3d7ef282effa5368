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

const closes = new WeakMap<Redis, {count: number}>()

/**
 * How many times the client's connection has closed so far. A WAIT answers for the server it
 * reaches: if the connection dropped (a failover) between a command and its WAIT, ioredis sends
 * the WAIT to the new primary, and its answer says nothing about what the old one did. So a
 * guarded step compares this count before the command and after the WAIT.
 */
export function connectionCloses(redis: Redis): number {
  let counter = closes.get(redis)
  if (counter === undefined) {
    const c = {count: 0}
    redis.on('close', () => c.count++)
    closes.set(redis, c)
    counter = c
  }
  return counter.count
}

/**
 * Whether what this client has READ is replicated: WAIT only counts a connection's own writes,
 * so a reader first makes a write of its own (ordered after everything it read in the
 * replication stream), then waits for it. False when the connection dropped since `closesBefore`
 * (taken before the read): the read came from a server that may be gone, read again. Used by a
 * node before acting on inbox messages.
 */
export async function readIsReplicated(reader: Redis, runId: string, replicas: number, timeoutMs: number, closesBefore: number): Promise<boolean> {
  if (replicas <= 0) return true
  const marked = reader.incr(keys.replicationMark(runId))
  const acked = waitForReplicas(reader, replicas, timeoutMs)
  await marked
  await acked
  return connectionCloses(reader) === closesBefore
}
