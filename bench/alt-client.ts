// One client process of figure 6's baseline (what a user without cmm would write): for every op
// of its stream, take a redis-semaphore Mutex on the page, GET or SET the page's bytes, release.
// argv: REDIS_URL NODE START_AT_US WORKLOAD_YAML_BASE64. Prints {"ops": N, "endUs": T, "cpuMs": C, "startupCpuMs": S,
// "commands": K} when done (C: the process's own CPU over its whole life, start-up included, like a
// cmm node's; S: what it had used when its workload began, like a cmm node's `startupMs`; K: the
// commands it sent while playing, the mutex's retries included, like a node's counters.redisCommands).
import {Redis} from 'ioredis'
import {Mutex} from 'redis-semaphore'
import {createOpStream, parseWorkload} from '../src/workload/index.js'
import {encodeStamp} from '../src/protocol/page-data.js'
import {pageKey} from '../src/protocol/types.js'
import {nowUs} from '../src/util/clock.js'
import {ownUsage} from '../src/metrics/resources.js'
import {cpuMs} from '../src/records/resources.js'
import {countCommands} from '../src/util/redis-client.js'

export async function playLockLibrary(redis: Redis, yaml: string, node: number, startUs: number, prefix: string): Promise<number> {
  const workload = parseWorkload(yaml, 'bench-alternative.yaml')
  const stream = createOpStream(workload, node, 7)
  let ops = 0
  for (;;) {
    const next = stream.next(nowUs() - startUs)
    if (next === null) return ops
    const op = next.op
    if (op.f !== 'read' && op.f !== 'write') continue
    const key = pageKey(op.page)
    const mutex = new Mutex(redis, `${prefix}lock:${key}`)
    await mutex.acquire()
    try {
      if (op.f === 'read') await redis.getBuffer(`${prefix}page:${key}`)
      else await redis.set(`${prefix}page:${key}`, Buffer.from(encodeStamp(`n${node}:${ops}`, workload.cluster.pageSize)))
    } finally {
      await mutex.release()
    }
    ops++
  }
}

async function main(): Promise<void> {
  const [url, nodeArg, startArg, yamlB64] = process.argv.slice(2)
  if (url === undefined || nodeArg === undefined || startArg === undefined || yamlB64 === undefined) throw new Error('usage: alt-client URL NODE START_AT_US YAML_BASE64')
  const redis = new Redis(url, {maxRetriesPerRequest: 1})
  try {
    const startUs = Number(startArg)
    const wait = (startUs - nowUs()) / 1000
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    const startupCpuMs = cpuMs(ownUsage())
    let commands = 0
    countCommands(redis, () => commands++)
    const ops = await playLockLibrary(redis, Buffer.from(yamlB64, 'base64').toString('utf8'), Number(nodeArg), startUs, `alt${process.ppid}:`)
    process.stdout.write(`${JSON.stringify({ops, endUs: nowUs(), cpuMs: cpuMs(ownUsage()), startupCpuMs, commands})}\n`)
  } finally {
    redis.disconnect()
  }
}

if (process.argv[1]?.endsWith('alt-client.js')) await main()
