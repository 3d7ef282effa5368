// The run's network fault layer (issue 14): one fault proxy per node between it and Redis, and
// the faults currently set on each node's link. Only runs that ask for it (a network entry in
// `chaos:`, or --network-faults) build one; other runs connect their nodes to Redis directly.
import {NodeProxy, proxiedUrl, redisTarget} from './proxy.js'
import {NO_LINK_FAULT, type LinkFault} from './pipe.js'

/** Which way a partition cuts: both directions, or only node -> Redis / Redis -> node. */
export type PartitionDirection = 'both' | 'to-redis' | 'from-redis'


export interface LinkState {
  readonly partition: PartitionDirection | null
  readonly delayMs: number
  readonly jitterMs: number
}

const HEALTHY: LinkState = {partition: null, delayMs: 0, jitterMs: 0}

export class NetworkFaults {
  private readonly state: LinkState[]

  private constructor(
    private readonly proxies: readonly NodeProxy[],
    private readonly urls: readonly string[],
    state: LinkState[],
  ) {
    this.state = state
  }

  /**
   * Starts one proxy per node towards `redisUrl`. `host`: the interface the proxies listen on
   * (127.0.0.1 for spawned nodes; an address other hosts reach for `cmm node --network-faults`).
   */
  static async start(nodes: number, redisUrl: string, host = '127.0.0.1', advertise = host): Promise<NetworkFaults> {
    const target = redisTarget(redisUrl)
    const state: LinkState[] = Array.from({length: nodes}, () => HEALTHY)
    const proxies: NodeProxy[] = []
    try {
      for (let k = 0; k < nodes; k++) {
        proxies.push(await NodeProxy.listen(target, {toRedis: () => linkFault(state[k]!, 'to-redis'), fromRedis: () => linkFault(state[k]!, 'from-redis')}, host))
      }
    } catch (error) {
      await Promise.all(proxies.map((p) => p.close()))
      throw error
    }
    return new NetworkFaults(proxies, proxies.map((p) => proxiedUrl(redisUrl, advertise, p.port)), state)
  }

  get nodes(): number {
    return this.proxies.length
  }

  /** The URL node `node` connects to (its proxy). */
  urlOf(node: number): string {
    return this.urls[node]!
  }

  linkOf(node: number): LinkState {
    return this.state[node]!
  }

  partition(node: number, direction: PartitionDirection): void {
    this.set(node, {...this.state[node]!, partition: direction})
  }

  delay(node: number, delayMs: number, jitterMs: number): void {
    this.set(node, {...this.state[node]!, delayMs, jitterMs})
  }

  /** Ends a partition, a delay, or both (`all`); held bytes are delivered in order. */
  heal(node: number, what: 'partition' | 'delay' | 'all'): void {
    const s = this.state[node]!
    this.set(node, {
      partition: what === 'delay' ? s.partition : null,
      delayMs: what === 'partition' ? s.delayMs : 0,
      jitterMs: what === 'partition' ? s.jitterMs : 0,
    })
  }

  private set(node: number, next: LinkState): void {
    this.state[node] = next
    this.proxies[node]!.kick()
  }

  async close(): Promise<void> {
    await Promise.all(this.proxies.map((p) => p.close()))
  }
}

function linkFault(s: LinkState, direction: 'to-redis' | 'from-redis'): LinkFault {
  if (s.partition === null && s.delayMs === 0 && s.jitterMs === 0) return NO_LINK_FAULT
  return {cut: s.partition === 'both' || s.partition === direction, delayMs: s.delayMs, jitterMs: s.jitterMs}
}
