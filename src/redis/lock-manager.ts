// The lock manager on Redis: every ManagerRequest is ONE script call (one atomic decision, one
// round trip), the scripts being src/redis/lua/common.lua + <request>.lua. The pure model
// src/protocol/manager.ts makes the same decisions (test/redis/differential.test.ts).
import {readFileSync, existsSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {createHash} from 'node:crypto'
import {Command, type Redis} from 'ioredis'
import type {DiskRecord, PurgeReply, UnitState} from '../protocol/manager.js'
import {ProtocolError} from '../protocol/manager.js'
import type {DiskPage, ManagerRequest, PageRef, ReplyTo, UnitId} from '../protocol/types.js'
import {pageKey} from '../protocol/types.js'
import type {BreakVariant} from '../protocol/break.js'
import {decodeDiskRecord, decodeReplyTo, decodeUnitState, decodeWaitGraph, encodeRequest, type ScriptArg} from './codec.js'
import type {WaitGraphView} from '../protocol/wait-graph.js'
import type {LockManager, OutboxEntry} from '../records/lock-manager.js'
import {keys, runPrefix} from './keys.js'
import {waitForReplicas} from './replication.js'

export {decodeNodeMessage} from './codec.js'

type ScriptName = ManagerRequest['type']
const NUMBER_OF_KEYS: Record<ScriptName, number> = {acquire: 3, upgrade: 2, demote: 3, writeback: 3, cancel: 2, defer: 2}

/** Redis error code the scripts use for protocol errors (see common.lua `protocol_error`). */
const PROTOCOL_ERROR_CODE = 'CMMPROTO '

// The .lua files are not compiled: under tsx/vitest this module is src/redis/lock-manager.ts and
// they sit next to it in ./lua/; compiled, it is dist/src/redis/lock-manager.js and they are
// still in src/redis/lua/, three levels up from dist/src/redis/.
function luaDir(): string {
  const candidates = [new URL('./lua/', import.meta.url), new URL('../../../src/redis/lua/', import.meta.url)]
  for (const dir of candidates) {
    const path = fileURLToPath(dir)
    if (existsSync(`${path}common.lua`)) return path
  }
  throw new Error(`manager Lua scripts not found in ${candidates.map((c) => fileURLToPath(c)).join(' or ')}`)
}

let sources: Record<ScriptName, string> | null = null

/** Each request script with common.lua prepended (read once per process). */
export function scriptSources(): Record<ScriptName, string> {
  if (sources === null) {
    const dir = luaDir()
    const common = readFileSync(`${dir}common.lua`, 'utf8')
    const read = (name: ScriptName) => `${common}\n-- ---- ${name}.lua ----\n${readFileSync(`${dir}${name}.lua`, 'utf8')}`
    sources = {acquire: read('acquire'), upgrade: read('upgrade'), demote: read('demote'), writeback: read('writeback'), cancel: read('cancel'), defer: read('defer')}
  }
  return sources
}

let deathSources: {purge: string; reap: string} | null = null

/** purge.lua (with common.lua, per unit) and reap.lua (standalone). */
function deathScripts(): {purge: string; reap: string} {
  if (deathSources === null) {
    const dir = luaDir()
    const common = readFileSync(`${dir}common.lua`, 'utf8')
    deathSources = {purge: `${common}\n-- ---- purge.lua ----\n${readFileSync(`${dir}purge.lua`, 'utf8')}`, reap: readFileSync(`${dir}reap.lua`, 'utf8')}
  }
  return deathSources
}

/** A request script with its SHA1, for EVALSHA. */
interface LoadedScript {
  readonly source: string
  readonly sha: string
}

/** Redis lacks the script (SCRIPT FLUSH, or a call queued across a reconnection to a restarted Redis): EVAL loads it. */
function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT')
}

export class RedisLockManager implements LockManager {
  private readonly scripts: Record<ScriptName, LoadedScript>
  /** The connection (socket) the scripts in `sentInFull` were sent on with their text. */
  private sentOn: unknown = null
  private readonly sentInFull = new Set<ScriptName>()
  /** Last ARGV of every script call: the broken variant's name, or '-' (common.lua `BREAK`). */
  private readonly breakArg: string
  /** `--redis-wait N`: a reply is returned only once N replicas have the decision (WAIT). */
  private readonly waitReplicas: number
  private readonly waitTimeoutMs: number

  constructor(
    private readonly redis: Redis,
    readonly runId: string,
    options: {readonly breakVariant?: BreakVariant | null; readonly waitReplicas?: number; readonly waitTimeoutMs?: number} = {},
  ) {
    this.breakArg = options.breakVariant ?? '-'
    this.waitReplicas = options.waitReplicas ?? 0
    this.waitTimeoutMs = options.waitTimeoutMs ?? 0
    const src = scriptSources()
    const load = (script: ScriptName): LoadedScript => ({source: src[script], sha: createHash('sha1').update(src[script]).digest('hex')})
    this.scripts = {acquire: load('acquire'), upgrade: load('upgrade'), demote: load('demote'), writeback: load('writeback'), cancel: load('cancel'), defer: load('defer')}
  }

  /** One atomic manager decision. Throws ProtocolError for an illegal request (nothing changed). */
  async send<R extends ManagerRequest>(req: R, records?: readonly OutboxEntry[]): Promise<ReplyTo<R>> {
    if (records !== undefined && records.length > 0 && req.type !== 'demote' && req.type !== 'writeback') throw new Error(`${req.type}: only a demote or a write-back carries records`)
    const call = encodeRequest(this.runId, req, records)
    if (call.keys.length !== NUMBER_OF_KEYS[call.script]) throw new Error(`${call.script}: wrong number of keys`)
    const script = this.scripts[call.script]
    const inFull = this.firstOnConnection(call.script)
    const args = [inFull ? script.source : script.sha, String(call.keys.length), ...call.keys, ...call.args, this.breakArg]
    let raw: unknown
    try {
      raw = await this.decide(inFull ? 'eval' : 'evalsha', args).catch((error: unknown) => {
        // Sent again behind whatever was issued meanwhile; rare, as the first call of each script
        // on a connection carries its text (firstOnConnection).
        if (!isNoScript(error)) throw error
        return this.decide('eval', [script.source, ...args.slice(1)])
      })
    } catch (error) {
      if (error instanceof Error && error.message.startsWith(PROTOCOL_ERROR_CODE)) {
        throw new ProtocolError(error.message.slice(PROTOCOL_ERROR_CODE.length))
      }
      throw error
    }
    return decodeReplyTo(req, raw)
  }

  /**
   * Whether `script` goes in full (EVAL) rather than by SHA1: its first call on each connection
   * (a new one may reach a restarted or promoted Redis without it). An EVALSHA answered NOSCRIPT
   * would be sent again after commands issued behind it: the records it carries would no longer
   * reach the outbox in the order the node made them.
   */
  private firstOnConnection(script: ScriptName): boolean {
    if (this.redis.stream !== this.sentOn) {
      this.sentOn = this.redis.stream
      this.sentInFull.clear()
    }
    if (this.sentInFull.has(script)) return false
    this.sentInFull.add(script)
    return true
  }

  /**
   * The script call (`args`: the SHA1 or the text, then numkeys, KEYS, ARGV) as a bare ioredis
   * Command: the manager's hot path, without ioredis' scripting wrapper; the reply as Buffers.
   * Under `--redis-wait` WAIT is issued right behind it on the same connection, so it covers the
   * script's writes.
   */
  private decide(command: 'evalsha' | 'eval', args: ScriptArg[]): Promise<unknown> {
    const decided = this.redis.sendCommand(new Command(command, args, {replyEncoding: null})) as Promise<unknown>
    if (this.waitReplicas === 0) return decided
    // Both awaited together: if the connection drops, both reject, and neither rejection goes unhandled.
    const replicated = waitForReplicas(this.redis, this.waitReplicas, this.waitTimeoutMs)
    return Promise.all([decided, replicated]).then(([raw]) => raw)
  }

  /**
   * Declares process `node` dead if its lease expired (`force`: regardless of the lease).
   * Returns null while the lease lives, else the units to purge (see purge()).
   */
  async reap(node: number, force = false): Promise<UnitId[] | null> {
    const raw = await this.death().reap(0, runPrefix(this.runId), String(node), force ? '1' : '0')
    if (raw === null) return null
    if (!Array.isArray(raw)) throw new Error(`reap: unexpected reply ${String(raw)}`)
    return raw.map((u) => String(u))
  }

  /** Removes a dead process from one unit (model: `purge` in manager.ts). */
  async purge(node: number, unit: UnitId): Promise<PurgeReply> {
    let raw: unknown
    try {
      raw = await this.death().purge(2, keys.lock(this.runId, unit), keys.queue(this.runId, unit), runPrefix(this.runId), unit, String(node), this.breakArg)
    } catch (error) {
      if (error instanceof Error && error.message.startsWith(PROTOCOL_ERROR_CODE)) throw new ProtocolError(error.message.slice(PROTOCOL_ERROR_CODE.length))
      throw error
    }
    if (!Array.isArray(raw) || String(raw[0]) !== 'purged') throw new Error(`purge: unexpected reply ${String(raw)}`)
    const held = String(raw[1])
    return {type: 'purged', held: held === 'SH' || held === 'EX' ? held : null, waiting: Number(raw[2]) === 1}
  }

  private deathCalls: {reap: (...args: (string | number)[]) => Promise<unknown>; purge: (...args: (string | number)[]) => Promise<unknown>} | null = null

  private death(): NonNullable<RedisLockManager['deathCalls']> {
    if (this.deathCalls === null) {
      const src = deathScripts()
      const r = this.redis
      // EVAL each time is fine here: reaping is rare and off the hot path; ioredis caches nothing.
      this.deathCalls = {
        reap: (numKeys, ...args) => r.eval(src.reap, numKeys, ...args),
        purge: (numKeys, ...args) => r.eval(src.purge, numKeys, ...args),
      }
    }
    return this.deathCalls
  }

  /** Plain read of the shared disk, no lock logic (a node that already holds the lock). */
  async readDisk(page: PageRef): Promise<DiskPage> {
    const {generation: _generation, ...rest} = await this.readDiskRecord(page)
    return rest
  }

  /** The disk page with the generation of its last write (for tests and the live view). */
  async readDiskRecord(page: PageRef): Promise<DiskRecord> {
    const hash = await this.redis.hgetallBuffer(keys.page(this.runId, pageKey(page)))
    return decodeDiskRecord(page, hash)
  }

  /** The wait-for graph as stored (for tests and the differential test). */
  async waitGraph(): Promise<WaitGraphView> {
    return decodeWaitGraph(await this.redis.hgetall(keys.waitGraph(this.runId)))
  }

  /** A consistent snapshot (MULTI) of one unit's manager state. */
  async unitState(unit: UnitId): Promise<UnitState> {
    const results = await this.redis.multi().hgetall(keys.lock(this.runId, unit)).lrange(keys.queue(this.runId, unit), 0, -1).exec()
    if (results === null) throw new Error('unitState: transaction aborted')
    const [hashResult, queueResult] = results
    if (hashResult === undefined || queueResult === undefined) throw new Error('unitState: missing transaction results')
    if (hashResult[0]) throw hashResult[0]
    if (queueResult[0]) throw queueResult[0]
    return decodeUnitState(hashResult[1] as Record<string, string>, queueResult[1] as string[])
  }
}
