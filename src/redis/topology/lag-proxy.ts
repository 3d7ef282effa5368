// A TCP relay that delays the primary -> replica direction of a replication link by a fixed lag
// (`--redis-replica-lag`): on one host replication is nearly instantaneous, so a primary killed
// right after a reply has almost always shipped it; a replica in another rack or zone lags by
// milliseconds, and that window is what asynchronous replication can lose in a failover.
// The replica -> primary direction (REPLCONF ACK) is relayed at once. It lives in the
// orchestrator's process: it ends with it.
import {createServer, connect, type Server, type Socket} from 'node:net'

export interface LagProxy {
  readonly port: number
  /**
   * The primary's crash as the replica sees it: from now on nothing more reaches the replica,
   * including what is still on its way (sent less than the lag ago). Called just before the
   * primary is paused, measured and killed, so the measurement's pause gives the replica no time
   * to catch up that a real crash would not have given it.
   */
  freeze(): void
  close(): Promise<void>
}

export async function startLagProxy(targetPort: number, lagMs: number): Promise<LagProxy> {
  const sockets = new Set<Socket>()
  let frozen = false
  const server: Server = createServer((replica) => {
    const primary = connect({host: '127.0.0.1', port: targetPort})
    for (const s of [replica, primary]) {
      sockets.add(s)
      s.on('error', () => {})
      s.on('close', () => {
        sockets.delete(s)
        replica.destroy()
        primary.destroy()
      })
    }
    replica.on('data', (chunk) => primary.write(chunk))
    // Each chunk leaves `lagMs` after it arrived; timers of equal delay fire in order.
    primary.on('data', (chunk) => {
      if (frozen) return
      setTimeout(() => {
        if (!frozen && !replica.destroyed) replica.write(chunk)
      }, lagMs)
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('lag proxy: no port')
  return {
    port: address.port,
    freeze: () => {
      frozen = true
    },
    close: () => {
      for (const s of sockets) s.destroy()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
