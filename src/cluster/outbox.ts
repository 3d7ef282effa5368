// Reads the nodes' reports from the run's outbox stream, in order, and trims what was read so
// the stream stays bounded however long the run is.
import type {Redis} from 'ioredis'
import {keys} from '../redis/keys.js'
import {decodeReport, type NodeReport} from '../records/messages.js'

const TRIM_EVERY = 1024
/** Most reports one read returns. */
export const READ_COUNT = 512

export class OutboxReader {
  private lastId = '0'
  private closed = false
  private untrimmed = 0

  constructor(private readonly redis: Redis, private readonly runId: string) {}

  /** Next batch of reports; waits up to `blockMs` for one. */
  async read(blockMs: number): Promise<NodeReport[]> {
    if (this.closed) return []
    const key = keys.outbox(this.runId)
    const res = await this.redis.xread('COUNT', READ_COUNT, 'BLOCK', blockMs, 'STREAMS', key, this.lastId)
    if (!res) return []
    const out: NodeReport[] = []
    for (const [, entries] of res) {
      for (const [id, fields] of entries) {
        this.lastId = id
        out.push(decodeReport(fields))
      }
    }
    // Trimming after every read doubled the orchestrator's commands; every TRIM_EVERY entries still bounds the stream.
    this.untrimmed += out.length
    if (this.untrimmed >= TRIM_EVERY) {
      this.untrimmed = 0
      await this.redis.xtrim(key, 'MINID', this.lastId)
    }
    return out
  }

  close(): void {
    this.closed = true
  }
}
