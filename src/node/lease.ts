// A node incarnation's lease in Redis (issue 4, docs/PROTOCOL.md "Node loss"). The node renews
// it every ttl/4; the orchestrator's reaper declares the incarnation dead once the key expired.
// The node only trusts its locks while it is sure the key still lives: a renewal SENT at time t
// keeps the key alive until at least t + ttl (Redis sets the expiry after receiving it), so the
// node's own deadline is t + ttl minus a margin. Past it (a pause, a stall), nothing completes
// until a renewal succeeds again; a failed renewal means the incarnation is dead.
import type {Redis} from 'ioredis'
import {keys} from '../redis/keys.js'
import {connectionCloses, waitForReplicas} from '../redis/replication.js'

export const DEFAULT_LEASE_TTL_MS = 2000

/** The incarnation lost its lease (or Redis lost the run): drop everything, rejoin as new. */
export class LeaseLostError extends Error {
  /** `redis-uncertain`: Redis came back (or failed over) but a request's outcome is unknown. */
  constructor(readonly why: 'expired' | 'redis-lost' | 'redis-uncertain', detail: string) {
    super(`lease lost (${why}): ${detail}`)
    this.name = 'LeaseLostError'
  }
}

// Renews only an existing key (XX): an expired lease is never resurrected. The run's epoch key
// tells an expired lease apart from a Redis that restarted and forgot the whole run.
const RENEW = `
if redis.call('EXISTS', KEYS[2]) == 0 then return 'redis-lost' end
if redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'XX') then return 'ok' end
return 'expired'`

export class Lease {
  private validUntilMs = 0
  private timer: NodeJS.Timeout | null = null
  private lost: LeaseLostError | null = null
  private renewing: Promise<boolean> | null = null
  private readonly marginMs: number

  constructor(
    private readonly redis: Redis,
    private readonly runId: string,
    /** The incarnation's process id (also its node id at the manager). */
    readonly proc: number,
    readonly ttlMs: number,
    private readonly onLost: (error: LeaseLostError) => void,
    /** `--redis-wait`: a renewal counts only once this many replicas have it (a failover keeps it). */
    private readonly replicas: {readonly count: number; readonly timeoutMs: number} = {count: 0, timeoutMs: 0},
  ) {
    if (!Number.isInteger(ttlMs) || ttlMs < 50) throw new Error(`lease TTL must be an integer >= 50 ms, got ${ttlMs}`)
    this.marginMs = Math.max(5, Math.floor(ttlMs / 8))
  }

  /** Takes the lease and registers the incarnation with the reaper (one MULTI). */
  async join(node: number): Promise<void> {
    const sentAt = Date.now()
    const res = await this.redis.multi()
      .exists(keys.epoch(this.runId))
      .set(keys.lease(this.runId, this.proc), String(node), 'PX', this.ttlMs, 'NX')
      .hset(keys.members(this.runId), String(this.proc), String(node))
      .exec()
    if (res === null) throw new Error('lease: join transaction aborted')
    if (res[0]?.[1] !== 1) throw new Error(`run ${this.runId} has no epoch key: Redis lost the run`)
    if (res[1]?.[1] !== 'OK') throw new Error(`process ${this.proc} already holds a lease in run ${this.runId}`)
    this.validUntilMs = sentAt + this.ttlMs - this.marginMs
    this.timer = setInterval(() => void this.renew(), Math.max(10, Math.floor(this.ttlMs / 4)))
  }

  /** True while the node may act on its locks without asking. */
  valid(): boolean {
    return this.lost === null && Date.now() < this.validUntilMs
  }

  /** Resolves true when the lease is (again) known valid, false when it is lost. */
  async confirm(): Promise<boolean> {
    if (this.valid()) return true
    return this.renew()
  }

  renew(): Promise<boolean> {
    if (this.lost) return Promise.resolve(false)
    this.renewing ??= this.renewOnce().finally(() => (this.renewing = null))
    return this.renewing
  }

  private async renewOnce(): Promise<boolean> {
    const sentAt = Date.now()
    let res: unknown
    const closesBefore = connectionCloses(this.redis)
    try {
      const renewed = this.redis.eval(RENEW, 2, keys.lease(this.runId, this.proc), keys.epoch(this.runId), '1', String(this.ttlMs))
      const replicated = waitForReplicas(this.redis, this.replicas.count, this.replicas.timeoutMs)
      res = await renewed
      // An unreplicated renewal may vanish in a failover: the promoted replica's expiry is older.
      if (res === 'ok') await replicated
      // Redis changed under the renewal (a failover): its WAIT spoke for the new primary, which
      // may never have seen the renewal. Keep the old deadline; the next renewal proves it anew.
      if (this.replicas.count > 0 && connectionCloses(this.redis) !== closesBefore) return this.valid()
    } catch {
      // Redis unreachable: the deadline still protects us; the next renewal tries again.
      return this.valid()
    }
    if (res === 'ok') {
      this.validUntilMs = Math.max(this.validUntilMs, sentAt + this.ttlMs - this.marginMs)
      return true
    }
    this.fail(new LeaseLostError(res === 'redis-lost' ? 'redis-lost' : 'expired', `process ${this.proc} of run ${this.runId}`))
    return false
  }

  /**
   * The connection to Redis dropped: Redis may have restarted and forgotten the run (locks,
   * disk, this lease). Nothing held can be trusted any more; the incarnation ends.
   */
  connectionLost(detail: string, why: 'redis-lost' | 'redis-uncertain' = 'redis-lost'): void {
    this.fail(new LeaseLostError(why, detail))
  }

  /**
   * Gives the lease up without a clean exit (a request's outcome is unknown): deleting the key
   * lets the reaper declare this incarnation dead and purge it at once instead of after the TTL.
   */
  async abandon(): Promise<void> {
    this.stop()
    await this.redis.del(keys.lease(this.runId, this.proc))
  }

  private fail(error: LeaseLostError): void {
    if (this.lost) return
    this.lost = error
    this.stop()
    this.onLost(error)
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  /** On a clean exit: give the lease back so the reaper has nothing to do. */
  async release(): Promise<void> {
    this.stop()
    if (this.lost) return
    await this.redis.multi().del(keys.lease(this.runId, this.proc)).hdel(keys.members(this.runId), String(this.proc)).exec()
  }
}
