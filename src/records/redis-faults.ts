// A Redis fault as run.json records it (`redisFaults`): when, what came back, what was lost.

/** What a fault lost, measured by redis/loss.ts. */
export interface RedisLoss {
  /** The run's epoch survived: the new primary still knows the run. */
  readonly runKept: boolean
  /** Write-backs lost: the page and its version before and after (0 = never written). */
  readonly pages: readonly {page: string; before: number; after: number}[]
  /** Lock units whose manager state went back (grants, conversions lost). */
  readonly units: readonly {unit: string; before: number; after: number}[]
  /** Node inboxes whose last message before the fault is gone (grants or callbacks lost). */
  readonly streams: readonly string[]
}

export interface RedisFaultRecord {
  readonly kind: 'restart' | 'failover'
  /** Wall-clock ms of the fault (the orchestrator turns it into ms since the run's start). */
  readonly atMs: number
  /** From the kill to Redis answering again (restart) or the replica promoted and the old primary resynced (failover). */
  readonly backAfterMs: number
  readonly durability: string
  readonly topology: string
  /** null: the marks could not be read (the primary did not answer before the kill). */
  readonly loss: RedisLoss | null
  readonly from?: string
  readonly to?: string
  readonly promotedAfterMs?: number
}

/** The summary's account of one fault, with the ops that were in flight when it struck. */
export interface RedisFaultAccount extends Omit<RedisFaultRecord, 'atMs'> {
  /** ms since the run's start. */
  readonly atMs: number
  /** Ops invoked before the fault and not completed before it (history `process`, op, key). */
  readonly opsInFlight: readonly {process: number; f: string; key: string}[]
}

/** One line: what a Redis fault lost (the pages and units listed, at most 8 each). */
export function lossText(loss: RedisLoss): string {
  const list = <T>(items: readonly T[], show: (t: T) => string) => items.slice(0, 8).map(show).join(', ') + (items.length > 8 ? `, ... (${items.length})` : '')
  const pages = loss.pages.length === 0 ? 'no page write-back' : `${loss.pages.length} page write-back(s) (${list(loss.pages, (p) => `${p.page} v${p.before}->${p.after === 0 ? 'none' : `v${p.after}`}`)})`
  const units = loss.units.length === 0 ? 'no lock decision' : `${loss.units.length} lock unit(s) rolled back (${list(loss.units, (u) => `${u.unit} seq ${u.before}->${u.after}`)})`
  const inboxes = loss.streams.length === 0 ? '' : `; messages lost in ${loss.streams.length} inbox(es)`
  return `${pages} and ${units} lost${inboxes}`
}
