// What a node runtime needs of the lock manager: one atomic decision per request, and reads of
// the shared disk for pages whose lock it already holds. The runtime depends on this interface
// only; redis/lock-manager.ts implements it with Lua scripts, a test can implement it in memory.
import type {DiskPage, ManagerRequest, PageRef, ReplyTo} from '../protocol/types.js'

/** One outbox stream entry's fields, names and values in turn (records/messages.ts historyFields). */
export type OutboxEntry = readonly string[]

export interface LockManager {
  /**
   * One atomic manager decision; rejects with a ProtocolError for an illegal request (nothing
   * changed). A demote or write-back can carry `records`: outbox entries added in the same
   * atomic step, before the decision (what the node recorded reaches Redis with what it describes).
   */
  send<R extends ManagerRequest>(request: R, records?: readonly OutboxEntry[]): Promise<ReplyTo<R>>
  /** The page as the shared disk holds it (the caller holds its unit's lock). */
  readDisk(page: PageRef): Promise<DiskPage>
}
