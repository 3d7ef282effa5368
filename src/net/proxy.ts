// The fault proxy of one node: a TCP listener the node connects to instead of Redis (every one
// of its connections: commands, inbox, lease). Each accepted connection is paired with a fresh
// connection to the real Redis (TCP or Unix socket, whichever the run uses) and joined by two
// Pipes whose faults the orchestrator sets. A connection is never closed by a fault: the node's
// client treats a dropped connection as a Redis restart, which is another fault.
import {createServer, connect, type Server, type Socket} from 'node:net'
import {Pipe, type LinkFault} from './pipe.js'

/** Where the real Redis listens, from the run's URL: redis://host:port or a Unix socket path. */
export type RedisTarget = {readonly host: string; readonly port: number} | {readonly path: string}

/** A Unix socket path, by the rule of `--redis` (util/redis-url.ts: starts with / or .). */
function isSocketPath(url: string): boolean {
  return url.startsWith('/') || url.startsWith('.')
}

export function redisTarget(url: string): RedisTarget {
  if (isSocketPath(url)) return {path: url}
  const u = new URL(url)
  return {host: u.hostname || '127.0.0.1', port: Number(u.port || 6379)}
}

/** The URL a node uses to reach Redis through a proxy at host:port (credentials and db kept). */
export function proxiedUrl(url: string, host: string, port: number): string {
  if (isSocketPath(url)) return `redis://${host}:${port}`
  const u = new URL(url)
  u.hostname = host
  u.port = String(port)
  return u.toString()
}

export interface ProxyFaults {
  readonly toRedis: () => LinkFault
  readonly fromRedis: () => LinkFault
}

export class NodeProxy {
  private readonly pipes = new Set<Pipe>()
  private readonly sockets = new Set<Socket>()

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async listen(target: RedisTarget, faults: ProxyFaults, host: string): Promise<NodeProxy> {
    const server = createServer()
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, host, () => resolve())
    })
    const address = server.address()
    if (address === null || typeof address === 'string') throw new Error('fault proxy: no TCP address')
    const proxy = new NodeProxy(server, address.port)
    server.on('connection', (client) => proxy.join(client, target, faults))
    return proxy
  }

  private join(client: Socket, target: RedisTarget, faults: ProxyFaults): void {
    client.setNoDelay(true)
    const upstream = 'path' in target ? connect({path: target.path}) : connect({host: target.host, port: target.port})
    upstream.setNoDelay?.(true)
    const up = new Pipe(client, upstream, faults.toRedis)
    const down = new Pipe(upstream, client, faults.fromRedis)
    for (const s of [client, upstream]) this.sockets.add(s)
    this.pipes.add(up).add(down)
    // One side gone for good (Redis restarted, the node exited): the other side goes too, as
    // with a direct connection. Errors are expected here (resets); the peer learns by the close.
    const close = () => {
      up.stop()
      down.stop()
      this.pipes.delete(up)
      this.pipes.delete(down)
      for (const s of [client, upstream]) {
        this.sockets.delete(s)
        s.destroy()
      }
    }
    client.on('error', () => {})
    upstream.on('error', () => {})
    // A node that exits while cut off leaves its last bytes held; they go once healed, then the close.
    client.on('close', () => (client.readableEnded ? undefined : close()))
    upstream.on('close', close)
    upstream.on('end', () => undefined)
  }

  /** Faults changed: every connection delivers what is now due. */
  kick(): void {
    for (const p of this.pipes) p.kick()
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy()
    this.sockets.clear()
    for (const p of this.pipes) p.stop()
    return new Promise((resolve) => this.server.close(() => resolve()))
  }
}
