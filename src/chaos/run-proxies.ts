// When a run gets fault proxies, and setting them up: a network fault in its chaos schedule, or
// --network-faults (live faults from `cmm chaos`). For nodes started by hand (--external-nodes)
// the proxies listen on every interface and their URLs are published in Redis, where
// `cmm node --network-faults` finds its own.
import {hostname} from 'node:os'
import type {Redis} from 'ioredis'
import {publishProxies} from '../redis/proxies.js'
import type {ChaosStep} from '../workload/types.js'
import {NetworkFaults} from '../net/faults.js'

export function needsFaultProxy(o: {readonly networkFaults?: boolean; readonly chaos?: readonly ChaosStep[]}): boolean {
  return o.networkFaults === true || (o.chaos ?? []).some((s) => 'partition' in s || 'delay' in s)
}

export async function startNetworkFaults(redis: Redis, runId: string, nodes: number, redisUrl: string, external: boolean): Promise<NetworkFaults> {
  const net = external ? await NetworkFaults.start(nodes, redisUrl, '0.0.0.0', hostname()) : await NetworkFaults.start(nodes, redisUrl)
  await publishProxies(redis, runId, Array.from({length: nodes}, (_, k) => net.urlOf(k)))
  return net
}
