// Several real node runtimes in one test process, on one private Redis: the protocol exactly as
// node processes run it (same runtime, same Lua scripts, same streams), but steerable op by op.
import {Redis} from 'ioredis'
import {NodeRuntime} from './runtime.js'
import {readInbox} from './inbox.js'
import {RedisLockManager} from '../redis/lock-manager.js'
import {emptyCounters, type NodeCounters} from '../records/counters.js'
import type {TraceEntry} from '../records/history.js'
import type {ProtocolSettings} from '../protocol/types.js'
import {encodeStamp, decodeStamp} from '../protocol/page-data.js'
import {nowUs} from '../util/clock.js'

export interface TestNode {
  readonly id: number
  readonly runtime: NodeRuntime
  readonly counters: NodeCounters
  readonly trace: TraceEntry[]
  read(file: string, page: number): Promise<{value: string | null; fault: string}>
  write(file: string, page: number, stamp: string): Promise<{fault: string}>
}

export interface TestCluster {
  readonly runId: string
  readonly nodes: TestNode[]
  readonly manager: RedisLockManager
  close(): Promise<void>
}

export const DEFAULT_SETTINGS: ProtocolSettings = {granularity: 'page', states: 'shared', downgrade: 'unmap', holdTimeUs: 0, pageSize: 256}

let runs = 0

export async function startCluster(url: string, n: number, settings: Partial<ProtocolSettings> = {}): Promise<TestCluster> {
  const s = {...DEFAULT_SETTINGS, ...settings}
  const runId = `t${process.pid}-${++runs}`
  const conns: Redis[] = []
  const connect = () => {
    const r = new Redis(url, {maxRetriesPerRequest: 1})
    r.on('error', () => {})
    conns.push(r)
    return r
  }
  let closing = false
  const loops: Promise<void>[] = []
  const nodes: TestNode[] = []
  for (let id = 0; id < n; id++) {
    const counters = emptyCounters()
    const trace: TraceEntry[] = []
    const runtime = new NodeRuntime({node: id, settings: s, manager: new RedisLockManager(connect(), runId), counters, clock: nowUs, onTrace: (t) => trace.push(t)})
    loops.push(readInbox(connect(), runId, id, (m) => runtime.deliver(m), () => {}, () => closing, 50).catch(() => {}))
    nodes.push({
      id, runtime, counters, trace,
      async read(file, page) {
        const r = await runtime.access({file, page}, 'read', null)
        return {value: decodeStamp(r.data), fault: r.fault}
      },
      async write(file, page, stamp) {
        const r = await runtime.access({file, page}, 'write', encodeStamp(stamp, s.pageSize))
        return {fault: r.fault}
      },
    })
  }
  return {
    runId, nodes, manager: new RedisLockManager(connect(), runId),
    async close() {
      closing = true
      for (const node of nodes) node.runtime.fail(new Error('closed'))
      await Promise.all(loops)
      for (const c of conns) c.disconnect()
    },
  }
}

/** Resolves with 'pending' if the promise has not settled within `ms`. */
export async function within<T>(p: Promise<T>, ms: number): Promise<T | 'pending'> {
  return Promise.race([p, new Promise<'pending'>((r) => setTimeout(() => r('pending'), ms))])
}

/** Waits (bounded) until `pred` holds; fails the test with `what` if it never does. */
export async function eventually(pred: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms
  while (!pred()) {
    if (Date.now() > end) throw new Error(`${what} did not hold within ${ms} ms`)
    await new Promise((r) => setTimeout(r, 5))
  }
}
