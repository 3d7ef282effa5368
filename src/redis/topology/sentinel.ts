// `--redis-topology sentinel`: a private primary, one replica and three Sentinels (quorum 2), all
// under server.ts's watchdog. Clients follow the primary through the Sentinels (a
// redis-sentinel:// URL, util/redis-client.ts). Timeouts are tuned down so a failover takes
// about a second instead of Sentinel's default half a minute.
import {writeFileSync, mkdirSync} from 'node:fs'
import {join} from 'node:path'
import {Redis} from 'ioredis'
import {freePort, startRedisServer, type RedisServer} from '../server.js'
import {persistenceArgs, type Durability} from '../durability.js'
import {startLagProxy, type LagProxy} from './lag-proxy.js'
import type {RedisDeployment} from './deployment.js'

/** The name the Sentinels monitor the primary under (the last part of the URL). */
export const SENTINEL_MASTER_NAME = 'cmm'
/**
 * A primary silent this long is subjectively down (Sentinel's default: 30 s). At 300 ms the new
 * primary, forking for the rejoining replica's full sync while the nodes reconnect on 2 busy cores,
 * was taken for down in ~1 of 3 runs of workloads/redis-failover.yaml: the Sentinels failed over
 * again and again, left two primaries and no replica, and every --redis-wait 1 WAIT timed out (a
 * stuck run). At 1 s: 10 of 10 runs valid, promotion 2.2-2.4 s after the kill (was 1.5-1.6 s).
 */
const DOWN_AFTER_MS = 1000
// Also bounds how soon the same primary may fail over again (twice this).
const FAILOVER_TIMEOUT_MS = 1000
const SETTLE_TIMEOUT_MS = 20_000
/** Every data server: a replica's full sync starts at once (the default waits 5 s for more replicas). */
function serverArgs(durability: Durability): string[] {
  return [...persistenceArgs(durability), '--repl-diskless-sync-delay', '0']
}

export interface FailoverResult {
  /** The address of the killed primary and of the promoted replica. */
  readonly from: string
  readonly to: string
  /** From the kill to the replica answering as primary. */
  readonly promotedAfterMs: number
}

interface Member {
  readonly name: string
  server: RedisServer
  proxy: LagProxy | null
}

export function sentinelUrl(ports: readonly number[], name = SENTINEL_MASTER_NAME): string {
  return `redis-sentinel://${ports.map((p) => `127.0.0.1:${p}`).join(',')}/${name}`
}

export async function startSentinelGroup(o: {dir: string; durability: Durability; replicaLagMs: number}): Promise<RedisDeployment> {
  const started: RedisServer[] = []
  const proxies: LagProxy[] = []
  try {
    const a: Member = {name: 'a', server: await startRedisServer({dir: join(o.dir, 'server-a'), args: serverArgs(o.durability)}), proxy: null}
    started.push(a.server)
    const b: Member = {name: 'b', ...(await startReplica(join(o.dir, 'server-b'), o, a.server.port))}
    started.push(b.server)
    if (b.proxy) proxies.push(b.proxy)
    await until(() => linkUp(b.server.port), `replica ${b.server.url} did not sync with ${a.server.url}`)
    const sentinels = await startSentinels(o.dir, a.server.port)
    started.push(...sentinels)
    await until(() => sentinelsReady(sentinels.map((s) => s.port)), 'the Sentinels did not discover each other and the replica')
    return group([a, b], sentinels, o)
  } catch (error) {
    for (const p of proxies) await p.close()
    for (const s of started) await s.stop()
    throw error
  }
}

async function startReplica(dir: string, o: {durability: Durability; replicaLagMs: number}, primaryPort: number, port?: number): Promise<{server: RedisServer; proxy: LagProxy | null}> {
  const proxy = o.replicaLagMs > 0 ? await startLagProxy(primaryPort, o.replicaLagMs) : null
  const server = await startRedisServer({dir, port, args: [...serverArgs(o.durability), '--replicaof', '127.0.0.1', String(proxy?.port ?? primaryPort)]})
  return {server, proxy}
}

async function startSentinels(dir: string, primaryPort: number): Promise<RedisServer[]> {
  const out: RedisServer[] = []
  for (let k = 1; k <= 3; k++) {
    const own = join(dir, `sentinel-${k}`)
    mkdirSync(own, {recursive: true})
    const configFile = join(own, 'sentinel.conf')
    // Sentinel rewrites this file as it learns (replicas, other Sentinels, failovers).
    writeFileSync(configFile, [
      `sentinel monitor ${SENTINEL_MASTER_NAME} 127.0.0.1 ${primaryPort} 2`,
      `sentinel down-after-milliseconds ${SENTINEL_MASTER_NAME} ${DOWN_AFTER_MS}`,
      `sentinel failover-timeout ${SENTINEL_MASTER_NAME} ${FAILOVER_TIMEOUT_MS}`,
      `sentinel parallel-syncs ${SENTINEL_MASTER_NAME} 1`,
      '',
    ].join('\n'))
    out.push(await startRedisServer({program: 'redis-sentinel', configFile, dir: own, args: []}))
  }
  return out
}

function group(members: [Member, Member], sentinels: RedisServer[], o: {dir: string; durability: Durability; replicaLagMs: number}): RedisDeployment {
  let primary = 0
  const url = sentinelUrl(sentinels.map((s) => s.port))
  return {
    url,
    // Clients must go through the Sentinels to follow a failover: no socket shortcut.
    localUrl: url,
    topology: 'sentinel',
    durability: o.durability,
    primaryUrl: async () => members[primary]!.server.url,
    restart: async () => {
      const m = members[primary]!
      await m.server.kill()
      m.server = await startRedisServer({...m.server.options, port: m.server.port})
    },
    // The replica's link goes through a lag proxy (if any): the replica's, not the primary's.
    cutReplication: () => members[1 - primary]!.proxy?.freeze(),
    failover: async () => {
      const old = members[primary]!
      const next = members[1 - primary]!
      const killedAt = Date.now()
      await old.server.kill()
      await old.proxy?.close()
      // Every Sentinel, not just the first: the old primary comes back on its old port, which one
      // still naming it the primary would take for a primary reporting role slave. (Not what made
      // runs stuck: that was DOWN_AFTER_MS; with this wait alone 2 of 8 still were.)
      await until(async () => (await Promise.all(sentinels.map((s) => ask(s.port, 'SENTINEL', 'get-master-addr-by-name', SENTINEL_MASTER_NAME)))).every((a) => a?.[1] === String(next.server.port)), `the Sentinels did not all promote ${next.server.url}`)
      await until(async () => (await ask(next.server.port, 'ROLE'))?.[0] === 'master', `${next.server.url} did not become primary`)
      const promotedAfterMs = Date.now() - killedAt
      primary = 1 - primary
      // The old primary comes back as the new one's replica, on its own folder (and lag).
      const back = await startReplica(join(o.dir, `server-${old.name}`), o, next.server.port, old.server.port)
      old.server = back.server
      old.proxy = back.proxy
      await until(() => linkUp(old.server.port), `${old.server.url} did not resync as a replica`)
      return {from: `127.0.0.1:${old.server.port}`, to: `127.0.0.1:${next.server.port}`, promotedAfterMs}
    },
    stop: async () => {
      for (const m of members) await m.proxy?.close()
      await Promise.all([...sentinels, ...members.map((m) => m.server)].map((s) => s.stop()))
    },
  }
}

/** One command on a throwaway connection; null when the server does not answer. */
export async function ask(port: number, ...command: string[]): Promise<string[] | null> {
  const r = new Redis({port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 500})
  r.on('error', () => {})
  try {
    await r.connect()
    const [name, ...args] = command
    const reply = await r.call(name!, ...args)
    return Array.isArray(reply) ? reply.map((x) => String(x)) : [String(reply)]
  } catch {
    return null
  } finally {
    r.disconnect()
  }
}

async function linkUp(port: number): Promise<boolean> {
  const info = (await ask(port, 'INFO', 'replication'))?.[0] ?? ''
  return /master_link_status:up/.test(info)
}

async function sentinelsReady(ports: number[]): Promise<boolean> {
  for (const port of ports) {
    const others = await ask(port, 'SENTINEL', 'sentinels', SENTINEL_MASTER_NAME)
    const replicas = await ask(port, 'SENTINEL', 'replicas', SENTINEL_MASTER_NAME)
    // Flattened replies: each known Sentinel or replica is one entry (an array) -> at least one string per entry.
    if (others === null || replicas === null || others.length < 2 || replicas.length < 1) return false
  }
  return true
}

async function until(probe: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (await probe()) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`${what} within ${SETTLE_TIMEOUT_MS / 1000} s`)
}
