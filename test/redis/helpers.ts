// Test plumbing shared by the Redis tests: a Driver over RedisLockManager that reads each
// decision's messages back from the nodes' inbox streams.
import {Redis} from 'ioredis'
import {keys} from '../../src/redis/keys.js'
import {decodeNodeMessage, RedisLockManager} from '../../src/redis/lock-manager.js'
import type {NodeId, Outgoing} from '../../src/protocol/types.js'
import type {Driver} from './scenarios.js'

let counter = 0
export function freshRunId(tag = 't'): string {
  counter += 1
  return `${tag}-${process.pid}-${Date.now().toString(36)}-${counter}`
}

/** Reads what arrived on the inbox streams since the last call, node by node (stream order per node). */
export class InboxReader {
  private readonly last = new Map<NodeId, string>()

  constructor(
    private readonly redis: Redis,
    private readonly runId: string,
    private readonly nodes: readonly NodeId[],
  ) {}

  async read(): Promise<Outgoing[]> {
    const batches = await Promise.all(this.nodes.map((node) => this.redis.xrangeBuffer(keys.inbox(this.runId, node), `(${this.last.get(node) ?? '0-0'}`, '+')))
    const out: Outgoing[] = []
    this.nodes.forEach((node, i) => {
      for (const [id, fields] of batches[i] ?? []) {
        this.last.set(node, id.toString())
        out.push({to: node, message: decodeNodeMessage(fields)})
      }
    })
    return out
  }
}

export function redisDriver(redis: Redis, runId = freshRunId(), nodes: readonly NodeId[] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]): Driver & {lm: RedisLockManager} {
  const lm = new RedisLockManager(redis, runId)
  const inbox = new InboxReader(redis, runId, nodes)
  return {
    lm,
    send: async (req) => {
      const reply = await lm.send(req)
      return {reply, out: await inbox.read()}
    },
    unitState: (unit) => lm.unitState(unit),
    disk: (page) => lm.readDiskRecord(page),
  }
}

export interface MonitorEntry {
  readonly args: string[]
  /** `lua` for commands a script ran, else the client's address. */
  readonly source: string
}

/**
 * A MONITOR connection: sees every command in execution order, including those run inside
 * scripts. `until(marker)` returns what ran before `ECHO marker` (sent on the observed client).
 */
export class MonitorTap {
  private entries: MonitorEntry[] = []
  private wake: (() => void) | null = null

  private constructor(private readonly connection: Redis) {}

  static async start(url: string): Promise<MonitorTap> {
    const client = new Redis(url)
    client.on('error', () => undefined)
    const monitor = await client.monitor()
    const tap = new MonitorTap(monitor)
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      tap.entries.push({args, source})
      tap.wake?.()
    })
    return tap
  }

  async until(marker: string, timeoutMs = 5000): Promise<MonitorEntry[]> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const index = this.entries.findIndex((e) => e.args[0]?.toLowerCase() === 'echo' && e.args[1] === marker)
      if (index >= 0) {
        const before = this.entries.slice(0, index)
        this.entries = this.entries.slice(index + 1)
        return before
      }
      if (Date.now() > deadline) throw new Error(`MONITOR never showed marker ${marker}`)
      await new Promise<void>((resolve) => {
        this.wake = resolve
        setTimeout(resolve, 50)
      })
      this.wake = null
    }
  }

  stop(): void {
    this.connection.disconnect()
  }
}
