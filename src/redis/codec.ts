// Wire formats between TypeScript and the manager's Lua scripts: script arguments, script
// replies, inbox stream entries, and the lock/queue/page keys as stored (docs/REDIS-KEYS.md).
// Page bytes travel as Buffers end to end (never through a string) so any byte survives.
import type {CallbackState, DiskRecord, HolderView, UnitState, Waiter} from '../protocol/manager.js'
import type {DiskPage, HeldMode, ManagerReply, ManagerRequest, NodeMessage, PageRef, ReplyTo, WaitEdge, Writeback} from '../protocol/types.js'
import {pageKey, parsePageKey, replyFor} from '../protocol/types.js'
import {keys, runPrefix} from './keys.js'
import type {GraphPin, GraphWait, WaitGraphView} from '../protocol/wait-graph.js'
import {RemoteMessageError} from '../protocol/errors.js'
import type {OutboxEntry} from '../records/lock-manager.js'

export type ScriptArg = string | Buffer

/** Which script a request runs, with its KEYS and ARGV (see the header of each .lua file). */
export interface ScriptCall {
  readonly script: ManagerRequest['type']
  readonly keys: readonly string[]
  readonly args: readonly ScriptArg[]
}

/** A reply or message from Redis that is not what the scripts send: RemoteMessageError. */
function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new RemoteMessageError(`codec: ${message}`)
}

function toBuffer(data: Uint8Array): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength)
}

// A copy: decoded replies must not alias ioredis's (possibly pooled) reply buffers.
function toBytes(data: Buffer): Uint8Array {
  return new Uint8Array(data)
}

function writebackArgs(pages: readonly Writeback[]): ScriptArg[] {
  const args: ScriptArg[] = [String(pages.length)]
  for (const w of pages) args.push(pageKey(w.page), toBuffer(w.data))
  return args
}

/** Records for the outbox, after the write-back pages: their count, then per entry its field count and fields (common.lua post_records). */
function recordArgs(records: readonly OutboxEntry[]): ScriptArg[] {
  const args: ScriptArg[] = [String(records.length)]
  for (const fields of records) args.push(String(fields.length), ...fields)
  return args
}

/** `records` ride with a demote or write-back (LockManager.send); other requests carry none. */
export function encodeRequest(runId: string, req: ManagerRequest, records: readonly OutboxEntry[] = []): ScriptCall {
  const unitKeys = [keys.lock(runId, req.unit), keys.queue(runId, req.unit)]
  const head = [runPrefix(runId), req.unit, String(req.node)]
  switch (req.type) {
    case 'acquire':
      return {
        script: 'acquire',
        keys: [...unitKeys, keys.page(runId, pageKey(req.page))],
        args: [...head, req.mode, pageKey(req.page), req.try ? '1' : '0'],
      }
    case 'upgrade':
      return {script: 'upgrade', keys: unitKeys, args: [...head, String(req.seq)]}
    case 'demote':
      return {script: 'demote', keys: [...unitKeys, keys.outbox(runId)], args: [...head, String(req.seq), req.to, String(req.generation), ...writebackArgs(req.writeback), ...recordArgs(records)]}
    case 'writeback':
      return {script: 'writeback', keys: [...unitKeys, keys.outbox(runId)], args: [...head, String(req.seq), String(req.generation), ...writebackArgs(req.writeback), ...recordArgs(records)]}
    case 'cancel':
      return {script: 'cancel', keys: unitKeys, args: head}
    case 'defer':
      return {script: 'defer', keys: unitKeys, args: [...head, String(req.seq)]}
  }
}

function text(value: unknown, what: string): string {
  if (Buffer.isBuffer(value)) return value.toString('utf8')
  assert(typeof value === 'string', `${what}: expected a string, got ${typeof value}`)
  return value
}

function int(value: unknown, what: string): number {
  const n = typeof value === 'number' ? value : Number(text(value, what))
  assert(Number.isSafeInteger(n), `${what}: expected an integer, got ${String(value)}`)
  return n
}

function heldMode(value: string, what: string): HeldMode {
  assert(value === 'SH' || value === 'EX', `${what}: bad mode ${value}`)
  return value
}

function diskPageOf(page: PageRef, data: Buffer | null | undefined, version: number): DiskPage {
  return {page, data: data ? toBytes(data) : null, version}
}

/** A script's return value as the reply to `req`: RemoteMessageError if it is not one a request of its kind can get. */
export function decodeReplyTo<R extends ManagerRequest>(req: R, raw: unknown): ReplyTo<R> {
  const reply = decodeReply(raw)
  const paired = replyFor(req, reply)
  assert(paired !== null, `the ${req.type} script answered ${reply.type}`)
  return paired
}

/** A script's return value (read with the Buffer variant of the command) as a ManagerReply. */
export function decodeReply(raw: unknown): ManagerReply {
  assert(Array.isArray(raw) && raw.length >= 1, 'reply is a non-empty array')
  const r: unknown[] = raw
  const type = text(r[0], 'reply type')
  switch (type) {
    case 'granted': {
      const mode = heldMode(text(r[1], 'mode'), 'granted')
      const seq = int(r[2], 'seq')
      const generation = int(r[3], 'generation')
      if (r.length === 4) return {type, mode, seq, generation, page: null}
      assert(r.length === 7, `granted reply has 4 or 7 elements, got ${r.length}`)
      const data = r[6]
      assert(data === null || Buffer.isBuffer(data), 'page data is bytes or nil')
      const page = diskPageOf(parsePageKey(text(r[4], 'page')), data, int(r[5], 'version'))
      return {type, mode, seq, generation, page}
    }
    case 'queued':
    case 'busy':
    case 'cancelled':
    case 'not-waiting':
    case 'noted':
      return {type}
    case 'refused': {
      const reason = text(r[1], 'reason')
      assert(reason === 'conversion-deadlock' || reason === 'callback-pending', `bad refusal reason ${reason}`)
      return {type, reason}
    }
    case 'demoted':
    case 'written':
      return {type, accepted: int(r[1], 'accepted')}
    case 'stale':
      return {type, rejected: int(r[1], 'rejected')}
    default:
      throw new Error(`codec: unknown reply type ${type}`)
  }
}

function fieldMap(fields: readonly Buffer[]): Map<string, Buffer> {
  assert(fields.length % 2 === 0, 'stream entry has field/value pairs')
  const map = new Map<string, Buffer>()
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i]
    const value = fields[i + 1]
    assert(name !== undefined && value !== undefined, 'field pair')
    map.set(name.toString('utf8'), value)
  }
  return map
}

/** One inbox stream entry's field list (as read with xreadBuffer / xrangeBuffer). */
export function decodeNodeMessage(fields: Buffer[]): NodeMessage {
  const f = fieldMap(fields)
  const get = (name: string): string => {
    const v = f.get(name)
    assert(v !== undefined, `stream entry lacks field ${name}`)
    return v.toString('utf8')
  }
  const type = get('type')
  const unit = get('unit')
  if (type === 'deadlock') return {type, unit, id: int(get('id'), 'id'), victim: int(get('victim'), 'victim'), cycle: decodeCycle(get('cycle'))}
  const seq = int(get('seq'), 'seq')
  if (type === 'callback') {
    const kind = get('kind')
    assert(kind === 'release' || kind === 'downgrade', `bad callback kind ${kind}`)
    return {type, unit, kind, seq}
  }
  assert(type === 'grant', `unknown message type ${type}`)
  const mode = heldMode(get('mode'), 'grant')
  const generation = int(get('gen'), 'gen')
  const upgrade = get('upgrade') === '1'
  const page = f.has('page') ? diskPageOf(parsePageKey(get('page')), f.get('data'), int(get('ver'), 'ver')) : null
  assert(upgrade === (page === null), 'an upgrade grant carries no page, a fresh grant carries one')
  return {type, unit, mode, seq, generation, upgrade, page}
}

/** `NODE UNIT WANTS HELDBY HELD` per edge, comma-separated (common.lua `graph_detect`). */
function decodeCycle(text: string): WaitEdge[] {
  return text.split(',').map((part) => {
    const f = part.split(' ')
    assert(f.length === 5, `bad deadlock cycle edge ${part}`)
    return {node: int(f[0], 'cycle node'), unit: f[1] ?? '', wants: heldMode(f[2] ?? '', 'cycle'), heldBy: int(f[3], 'cycle holder'), held: heldMode(f[4] ?? '', 'cycle')}
  })
}

function callbackState(value: string): CallbackState {
  assert(value === 'none' || value === 'release' || value === 'downgrade', `bad callback state ${value}`)
  return value
}

/** The lock hash (HGETALL) and queue list (LRANGE) of a unit, in the model's UnitState shape. */
export function decodeUnitState(hash: Record<string, string>, queue: readonly string[]): UnitState {
  const holders: HolderView[] = []
  let upgrading: number | null = null
  for (const [field, value] of Object.entries(hash)) {
    if (field === 'gen' || field === 'seq') continue
    if (field === 'upg') {
      upgrading = int(value, 'upg')
      continue
    }
    const node = /^h:(\d+)$/.exec(field)?.[1]
    const parts = /^(SH|EX):(\d+):([a-z]+)$/.exec(value)
    assert(node !== undefined && parts !== null, `unreadable lock field ${field}=${value}`)
    holders.push({node: int(node, 'holder node'), mode: heldMode(parts[1] ?? '', field), seq: int(parts[2], 'holder seq'), callback: callbackState(parts[3] ?? '')})
  }
  holders.sort((a, b) => a.node - b.node)
  const waiters: Waiter[] = queue.map((entry) => {
    const parts = /^(\d+):(SH|EX):(.+)$/.exec(entry)
    assert(parts !== null, `unreadable queue entry ${entry}`)
    return {node: int(parts[1], 'waiter node'), mode: heldMode(parts[2] ?? '', entry), page: parsePageKey(parts[3] ?? '')}
  })
  return {
    generation: hash.gen === undefined ? 0 : int(hash.gen, 'gen'),
    seq: hash.seq === undefined ? 0 : int(hash.seq, 'seq'),
    holders,
    queue: waiters,
    upgrading,
  }
}

/** A page hash (HGETALL with Buffers) as a disk record; a missing key is a never-written page. */
export function decodeDiskRecord(page: PageRef, hash: Record<string, Buffer>): DiskRecord {
  const ver = hash.ver
  const gen = hash.gen
  return {
    page: {file: page.file, page: page.page},
    data: hash.data ? toBytes(hash.data) : null,
    version: ver === undefined ? 0 : int(ver, 'ver'),
    generation: gen === undefined ? 0 : int(gen, 'gen'),
  }
}

/** The wait-for graph hash (HGETALL), in the model's WaitGraphView shape. */
export function decodeWaitGraph(hash: Record<string, string>): WaitGraphView {
  const waits: GraphWait[] = []
  const pinned: GraphPin[] = []
  for (const [field, value] of Object.entries(hash)) {
    if (field === 'n' || field === 'dl') continue
    const f = /^([wd]):(\d+):(.+)$/.exec(field)
    const v = /^(SH|EX):(\d+)$/.exec(value)
    assert(f !== null && v !== null, `unreadable graph field ${field}=${value}`)
    const node = int(f[2], 'graph node')
    const unit = f[3] ?? ''
    const mode = heldMode(v[1] ?? '', field)
    if (f[1] === 'w') waits.push({node, unit, mode, n: int(v[2], 'wait n')})
    else pinned.push({node, unit, mode, seq: int(v[2], 'pin seq')})
  }
  waits.sort((a, b) => a.node - b.node || a.n - b.n)
  pinned.sort((a, b) => a.node - b.node || (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : 0))
  return {waitCount: hash.n === undefined ? 0 : int(hash.n, 'n'), deadlocks: hash.dl === undefined ? 0 : int(hash.dl, 'dl'), waits, pinned}
}
