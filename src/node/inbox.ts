// A node's receive loop: its inbox stream (grants and callbacks from the manager's scripts) and
// its control stream (from the orchestrator), read together on a dedicated connection because
// a blocking XREAD ties up the connection it runs on.
import type {Redis} from 'ioredis'
import {keys} from '../redis/keys.js'
import {decodeNodeMessage} from '../redis/lock-manager.js'
import {connectionCloses} from '../redis/replication.js'
import {decodeControl, type ControlMessage} from '../records/messages.js'
import type {NodeMessage} from '../protocol/types.js'

/** Resolves after a `stop` control message, or when `until` returns true; rejects if Redis fails. */
export async function readInbox(
  reader: Redis,
  runId: string,
  node: number,
  onMessage: (m: NodeMessage) => void,
  onControl: (m: ControlMessage) => void,
  until: () => boolean = () => false,
  blockMs = 1000,
  /** The incarnation's process id: its own inbox (a restarted node never sees the old one's). */
  inboxOf: number = node,
  /**
   * Awaited before inbox messages are acted on (`--redis-wait`: until replicas have them), with
   * the reader's close count taken before the read; false: read again from the same ids.
   */
  confirmRead: (closesBefore: number) => Promise<boolean> = () => Promise.resolve(true),
): Promise<void> {
  const inboxKey = keys.inbox(runId, inboxOf)
  const controlKey = keys.control(runId, node)
  let inboxId = '0'
  let controlId = '0'
  while (!until()) {
    const closesBefore = connectionCloses(reader)
    const res = await reader.xreadBuffer('COUNT', 256, 'BLOCK', blockMs, 'STREAMS', inboxKey, controlKey, inboxId, controlId)
    if (!res) continue
    if (res.some(([keyBuf]) => keyBuf.toString() === inboxKey) && !(await confirmRead(closesBefore))) continue
    for (const [keyBuf, entries] of res) {
      const isInbox = keyBuf.toString() === inboxKey
      for (const [idBuf, fields] of entries) {
        if (isInbox) {
          inboxId = idBuf.toString()
          onMessage(decodeNodeMessage(fields))
        } else {
          controlId = idBuf.toString()
          const msg = decodeControl(fields.map((f) => f.toString()))
          onControl(msg)
          if (msg.type === 'stop') return
        }
      }
    }
  }
}
