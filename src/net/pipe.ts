// One direction of a proxied connection (node -> Redis or Redis -> node). Bytes go through in
// order. While the direction is cut they are held, not dropped: a partition that heals before
// TCP gives up looks like this on a real network (the kernel retransmits), and dropping bytes
// would tear a RESP stream apart, which no real partition does. A delay holds each chunk for
// delay +- jitter, never delivering it before the chunk in front of it (TCP keeps order).
import type {Socket} from 'node:net'

export interface LinkFault {
  /** The direction delivers nothing (partitioned). */
  readonly cut: boolean
  readonly delayMs: number
  readonly jitterMs: number
}

export const NO_LINK_FAULT: LinkFault = {cut: false, delayMs: 0, jitterMs: 0}

/** Bytes a cut or delayed direction holds at most before the connection is dropped (no unbounded memory). */
export const MAX_HELD_BYTES = 256 * 1024 * 1024

export class Pipe {
  private readonly held: {chunk: Buffer; dueAt: number}[] = []
  private heldBytes = 0
  private timer: NodeJS.Timeout | null = null
  private ended = false

  constructor(
    private readonly source: Socket,
    private readonly dest: Socket,
    private readonly fault: () => LinkFault,
    private readonly random: () => number = Math.random,
  ) {
    source.on('data', (chunk: Buffer) => this.push(chunk))
    source.on('end', () => {
      this.ended = true
      this.pump()
    })
    // Backpressure on the direct path: a slow reader slows the writer, as a socket pair would.
    dest.on('drain', () => source.resume())
  }

  /** The fault changed (a heal, a new delay): deliver what is now due. */
  kick(): void {
    const f = this.fault()
    if (!f.cut && f.delayMs === 0 && f.jitterMs === 0) for (const h of this.held) h.dueAt = 0
    this.pump()
  }

  private push(chunk: Buffer): void {
    const f = this.fault()
    if (this.held.length === 0 && !f.cut && f.delayMs === 0 && f.jitterMs === 0) {
      if (!this.dest.write(chunk)) this.source.pause()
      return
    }
    const delay = Math.max(0, f.delayMs + (this.random() * 2 - 1) * f.jitterMs)
    const dueAt = Math.max(Date.now() + delay, this.held.at(-1)?.dueAt ?? 0)
    this.held.push({chunk, dueAt})
    this.heldBytes += chunk.length
    if (this.heldBytes > MAX_HELD_BYTES) {
      this.source.destroy(new Error(`fault proxy: more than ${MAX_HELD_BYTES} bytes held`))
      return
    }
    this.pump()
  }

  private pump(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    if (this.dest.destroyed) return
    if (!this.fault().cut) {
      const now = Date.now()
      while (this.held.length > 0 && this.held[0]!.dueAt <= now) {
        const {chunk} = this.held.shift()!
        this.heldBytes -= chunk.length
        this.dest.write(chunk)
      }
      const next = this.held[0]
      if (next !== undefined) this.timer = setTimeout(() => this.pump(), Math.max(1, next.dueAt - now))
    }
    // The sender closed: the peer sees the end once everything before it got through.
    if (this.ended && this.held.length === 0) this.dest.end()
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }
}
