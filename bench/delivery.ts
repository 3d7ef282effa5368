// Figure 4 (delivery floor): what the message path of a handoff costs with no cmm code at all.
// A handoff needs two deliveries from one process to another through Redis: the manager script
// that queues the request sends the holder its callback, the one that takes the demote sends the
// requester its grant (src/redis/lua/common.lua `emit`: XADD to the node's inbox stream, read by a
// blocking XREAD, src/node/inbox.ts). Here bare ioredis clients do just that, interleaved with
// PING: a script XADDs to a stream a second connection is blocked reading. Beside it the same hop
// through Pub/Sub (a script PUBLISHes to a channel a third connection subscribes to), the
// delivery Redis offers without a blocked command. Two stream hops are the floor of figure 4's
// handoff with inbox streams, whatever cmm's own code costs.
import {Redis} from 'ioredis'
import {nowUsFine, percentile, round, type BenchContext, type BenchRow} from './figure.js'

const SAMPLES = 2000
/** A hop that takes this long is lost (a reconnection): the figure fails instead of waiting forever. */
const HOP_TIMEOUT_MS = 5000
/** A callback message's size and a grant's carrying a 4 KiB page (the bench's page size). */
const SIZES = [{name: 'callback-sized (150 B)', bytes: 150}, {name: 'grant-sized (4 KiB page)', bytes: 4096 + 150}] as const

const XADD_SCRIPT = "redis.call('XADD', KEYS[1], 'MAXLEN', '~', '10000', '*', 'type', 'm', 'data', ARGV[1]); return 1"
const PUBLISH_SCRIPT = "redis.call('PUBLISH', KEYS[1], ARGV[1]); return 1"

interface Samples {
  readonly ping: number[]
  readonly stream: number[][]
  readonly pubsub: number[][]
}

export async function benchDelivery(ctx: BenchContext): Promise<BenchRow[]> {
  const figure = '4 delivery floor (no cmm code)'
  const [sender, reader, subscriber, pinger] = [0, 1, 2, 3].map(() => new Redis(ctx.redisUrl))
  try {
    const samples = await measure(sender!, reader!, subscriber!, pinger!)
    const ping = percentile(samples.ping, 50)
    const vsPing = `PING p50 (${round(ping, 1)} µs, interleaved)`
    const rows: BenchRow[] = [{figure, metric: 'PING p50, interleaved with the hops', value: round(ping, 1), unit: `µs (${SAMPLES} samples)`}]
    const p50s = {stream: [] as number[], pubsub: [] as number[]}
    SIZES.forEach((size, i) => {
      const stream = percentile(samples.stream[i]!, 50)
      const pubsub = percentile(samples.pubsub[i]!, 50)
      p50s.stream.push(stream)
      p50s.pubsub.push(pubsub)
      rows.push(
        {figure, metric: `script XADD -> blocked XREAD (cmm's inbox), ${size.name}, p50`, value: round(stream, 1), unit: 'µs', ratio: round(stream / ping), vs: vsPing},
        {figure, metric: `script PUBLISH -> subscriber, ${size.name}, p50`, value: round(pubsub, 1), unit: 'µs', ratio: round(pubsub / ping), vs: vsPing},
      )
    })
    const streamFloor = p50s.stream[0]! + p50s.stream[1]!
    const pubsubFloor = p50s.pubsub[0]! + p50s.pubsub[1]!
    rows.push(
      {figure, metric: 'a handoff\'s two deliveries (callback + grant) through inbox streams', value: round(streamFloor, 1), unit: 'µs (sum of the p50s; figure 4\'s target is 4x PING)', ratio: round(streamFloor / ping), vs: vsPing},
      {figure, metric: 'the same through Pub/Sub', value: round(pubsubFloor, 1), unit: 'µs (sum of the p50s)', ratio: round(pubsubFloor / ping), vs: vsPing},
    )
    return rows
  } finally {
    for (const c of [sender, reader, subscriber, pinger]) c?.disconnect()
  }
}

async function measure(sender: Redis, reader: Redis, subscriber: Redis, pinger: Redis): Promise<Samples> {
  const stream = `bench-delivery-${process.pid}`
  const channel = `bench-delivery-${process.pid}`
  const xaddSha = String(await sender.script('LOAD', XADD_SCRIPT))
  const publishSha = String(await sender.script('LOAD', PUBLISH_SCRIPT))
  let published: (() => void) | null = null
  subscriber.on('messageBuffer', () => published?.())
  await subscriber.subscribe(channel)
  const payloads = SIZES.map((s) => 'x'.repeat(s.bytes))
  const samples: Samples = {ping: [], stream: SIZES.map(() => []), pubsub: SIZES.map(() => [])}
  let lastId = '0'
  try {
    for (let i = 0; i < SAMPLES; i++) {
      for (let s = 0; s < SIZES.length; s++) {
        // The XREAD goes out first; the PING after it (on another connection) also makes sure Redis
        // has it blocked before the script runs, as an idle node's inbox read is.
        const read = reader.xreadBuffer('COUNT', 256, 'BLOCK', 5000, 'STREAMS', stream, lastId).then((got) => ({got, at: nowUsFine()}))
        read.catch(() => {}) // awaited below; a failing PING must not leave its rejection unhandled
        let t = nowUsFine()
        await pinger.ping()
        if (s === 0) samples.ping.push(nowUsFine() - t)
        t = nowUsFine()
        const [{got, at}] = await Promise.all([read, sender.evalsha(xaddSha, 1, stream, payloads[s]!)])
        samples.stream[s]!.push(at - t)
        const entries = got?.[0]?.[1]
        if (!entries || entries.length !== 1) throw new Error(`delivery: the XREAD returned ${entries?.length ?? 0} entries, expected 1`)
        lastId = entries[0]![0].toString()

        let timer: NodeJS.Timeout | undefined
        const delivered = new Promise<number>((resolve, reject) => {
          published = () => resolve(nowUsFine())
          timer = setTimeout(() => reject(new Error(`delivery: a published message did not arrive within ${HOP_TIMEOUT_MS} ms`)), HOP_TIMEOUT_MS)
        })
        t = nowUsFine()
        try {
          const [arrived] = await Promise.all([delivered, sender.evalsha(publishSha, 1, channel, payloads[s]!)])
          samples.pubsub[s]!.push(arrived - t)
        } finally {
          clearTimeout(timer)
        }
      }
    }
  } finally {
    await sender.del(stream).catch(() => {})
  }
  return samples
}
