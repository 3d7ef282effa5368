// Orchestrator -> node control messages (start, stop, pause, flush, clock skew) on the node's control stream.
import type {Redis} from 'ioredis'
import {keys} from './keys.js'
import {encodeMessage, type ControlMessage} from '../records/messages.js'

export async function sendControl(redis: Redis, runId: string, node: number, msg: ControlMessage): Promise<void> {
  await redis.xadd(keys.control(runId, node), 'MAXLEN', '~', '1000', '*', ...encodeMessage(node, msg))
}
