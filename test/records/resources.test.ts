// The saturation rule and the resources arithmetic, without a loaded (or idle) machine.
import {describe, expect, it} from 'vitest'
import {busyFraction, isSaturated, parseInfoCpu, parseScriptStats, redisBetween, resourcesLine, SATURATED_BUSY, summarizeResources, type ProcessResources, type RedisSample} from '../../src/records/resources.js'

const node = (k: number, userMs: number, systemMs: number): ProcessResources => ({role: 'node', node: k, incarnation: 0, pid: 100 + k, userMs, systemMs, maxRssKb: 90_000, final: true})
const orchestrator: ProcessResources = {role: 'orchestrator', pid: 99, userMs: 300, systemMs: 100, maxRssKb: 120_000}

describe('saturation', () => {
  it('is the share of all CPUs busy between two samples', () => {
    expect(busyFraction({busyMs: 1000, totalMs: 4000, cpus: 2}, {busyMs: 2900, totalMs: 6000, cpus: 2})).toBeCloseTo(0.95)
    expect(busyFraction({busyMs: 1000, totalMs: 4000, cpus: 2}, {busyMs: 1100, totalMs: 6000, cpus: 2})).toBeCloseTo(0.05)
    expect(busyFraction({busyMs: 1, totalMs: 4, cpus: 2}, {busyMs: 1, totalMs: 4, cpus: 2})).toBeNull()
  })

  it('flags 90 % busy and more, not less, and not an unmeasured run', () => {
    expect(SATURATED_BUSY).toBe(0.9)
    expect(isSaturated(0.97)).toBe(true)
    expect(isSaturated(0.9)).toBe(true)
    expect(isSaturated(0.89)).toBe(false)
    expect(isSaturated(0.2)).toBe(false)
    expect(isSaturated(null)).toBe(false)
  })

  it('an oversubscribed run (4 busy nodes on 2 CPUs) is saturated; one node on 2 CPUs is not', () => {
    // 3 s of wall time on 2 CPUs = 6000 CPU-ms: 4 nodes + Redis used nearly all of it; one node about half.
    const four = summarizeResources({orchestrator, nodes: [0, 1, 2, 3].map((k) => node(k, 1200, 200)), redis: {pid: 7, userMs: 300, systemMs: 100, maxRssKb: 30_000}, ops: 12_000, cpus: 2, busy: busyFraction({busyMs: 0, totalMs: 0, cpus: 2}, {busyMs: 5900, totalMs: 6000, cpus: 2})})
    expect(four.saturated).toBe(true)
    const one = summarizeResources({orchestrator, nodes: [node(0, 2800, 200)], redis: null, ops: 600_000, cpus: 2, busy: busyFraction({busyMs: 0, totalMs: 0, cpus: 2}, {busyMs: 3300, totalMs: 6000, cpus: 2})})
    expect(one.saturated).toBe(false)
  })
})

describe('summarizeResources', () => {
  it('lists every process and divides cmm and Redis CPU by the ops', () => {
    const r = summarizeResources({orchestrator, nodes: [node(0, 600, 200), node(1, 500, 100)], redis: {pid: 7, userMs: 150, systemMs: 50, maxRssKb: null}, ops: 1000, cpus: 2, busy: 0.5})
    expect(r.processes.map((p) => p.role)).toEqual(['orchestrator', 'node', 'node', 'redis-server'])
    expect(r.cmm).toEqual({cpuMs: 400 + 800 + 600, cpuUsPerOp: 1800, cpuUsPerOpAfterStartup: 1800})
    expect(r.redis).toEqual({cpuMs: 200, cpuUsPerOp: 200, scripts: null})
    expect(r.machine).toEqual({cpus: 2, busy: 0.5})
    expect(r.saturated).toBe(false)
    expect(resourcesLine(r)).toBe('resources: CPU per op: cmm 1800 µs, redis-server 200 µs; machine 50% busy (2 CPUs)')
  })

  it('names the node incarnations that never reported their usage, in run.json and on the summary line', () => {
    // Node 1's first incarnation was killed before its first progress report: its CPU is unknown, as are its ops.
    const r = summarizeResources({orchestrator, nodes: [node(0, 600, 200)], redis: null, ops: 1000, cpus: 2, busy: 0.5, unmeasured: [{node: 1, incarnation: 0, pid: 4242}]})
    expect(r.unmeasured).toEqual([{node: 1, incarnation: 0, pid: 4242}])
    expect(resourcesLine(r)).toBe('resources: CPU per op: cmm 1200 µs; machine 50% busy (2 CPUs); not counted: node 1 incarnation 0 (killed before its first progress report: its CPU and ops are in no figure)')
    expect(summarizeResources({orchestrator, nodes: [], redis: null, ops: 0, cpus: 2, busy: null, unmeasured: []})).not.toHaveProperty('unmeasured')
  })

  it("leaves the nodes' start-up out of the second CPU per op, and says so when there is one", () => {
    // Node 1 is a restarted incarnation that died before its workload began: no startupMs, all of it counted.
    const started = (k: number, startupMs: number): ProcessResources => ({...node(k, 600, 200), startupMs})
    const r = summarizeResources({orchestrator, nodes: [started(0, 300), started(2, 250), node(1, 100, 50)], redis: {pid: 7, userMs: 150, systemMs: 50, maxRssKb: null}, ops: 1000, cpus: 2, busy: 0.5})
    expect(r.cmm).toEqual({cpuMs: 400 + 800 + 800 + 150, cpuUsPerOp: 2150, cpuUsPerOpAfterStartup: 2150 - 550})
    expect(resourcesLine(r)).toBe("resources: CPU per op: cmm 2150 µs (1600 µs after the nodes' start-up), redis-server 200 µs; machine 50% busy (2 CPUs)")
    expect(summarizeResources({orchestrator, nodes: [], redis: null, ops: 0, cpus: 2, busy: null}).cmm).toEqual({cpuMs: 400, cpuUsPerOp: null, cpuUsPerOpAfterStartup: null})
  })

  it("gives the Lua script calls per op and Redis' time in each, and says so in the summary line", () => {
    const redis = {pid: 7, userMs: 150, systemMs: 50, maxRssKb: null}
    const r = summarizeResources({orchestrator, nodes: [node(0, 600, 200)], redis, redisScripts: {calls: 1260, usec: 97_020}, ops: 1000, cpus: 2, busy: 0.5})
    expect(r.redis?.scripts).toEqual({calls: 1260, callsPerOp: 1.26, usPerCall: 77})
    expect(resourcesLine(r)).toBe('resources: CPU per op: cmm 1200 µs, redis-server 200 µs (Lua scripts: 1.26 calls per op, 77 µs each in Redis); machine 50% busy (2 CPUs)')
    // No script calls (a run of cache hits only): no time per call, and the line says nothing of scripts.
    const hits = summarizeResources({orchestrator, nodes: [], redis, redisScripts: {calls: 0, usec: 0}, ops: 500, cpus: 2, busy: 0.5})
    expect(hits.redis?.scripts).toEqual({calls: 0, callsPerOp: 0, usPerCall: null})
    expect(resourcesLine(hits)).not.toMatch(/scripts/)
    // No ops (a run stopped before its first): nothing to divide by.
    const noOps = summarizeResources({orchestrator, nodes: [], redis, redisScripts: {calls: 4, usec: 400}, ops: 0, cpus: 2, busy: 0.5})
    expect(noOps.redis?.scripts).toEqual({calls: 4, callsPerOp: null, usPerCall: 100})
    expect(resourcesLine(noOps)).not.toMatch(/scripts/)
    // Not measured.
    expect(summarizeResources({orchestrator, nodes: [], redis, ops: 10, cpus: 2, busy: 0.5}).redis?.scripts).toBeNull()
  })

  it('sums EVALSHA and EVAL of INFO commandstats, and reads none as zero', () => {
    const info = '# Commandstats\r\ncmdstat_get:calls=9,usec=9,usec_per_call=1.00\r\ncmdstat_evalsha:calls=1200,usec=90000,usec_per_call=75.00,rejected_calls=0,failed_calls=0\r\ncmdstat_eval:calls=60,usec=7020,usec_per_call=117.00\r\n'
    expect(parseScriptStats(info)).toEqual({calls: 1260, usec: 97_020})
    expect(parseScriptStats('# Commandstats\r\ncmdstat_ping:calls=1,usec=1,usec_per_call=1.00\r\n')).toEqual({calls: 0, usec: 0})
    // A server without command stats: not measured, rather than a measured-looking zero.
    expect(parseScriptStats('# Commandstats\r\n')).toBeNull()
  })

  it("subtracts two Redis samples only within one server's life", () => {
    const at = (runId: string | null, pid: number | null, cpuMs: number, calls: number): RedisSample => ({runId, pid, userMs: cpuMs, systemMs: cpuMs / 2, scripts: {calls, usec: calls * 50}})
    expect(redisBetween(at('a1', 7, 100, 10), at('a1', 7, 300, 30))).toEqual({userMs: 200, systemMs: 100, scripts: {calls: 20, usec: 1000}})
    // Restarted (a new run_id; the pid may even be the same, as in a container) or failed over: not measured.
    expect(redisBetween(at('a1', 1, 100, 10), at('b2', 1, 300, 30))).toBeNull()
    // No run_id (a Redis-compatible server): the pid decides, and an unknown pid is not the same server.
    expect(redisBetween(at(null, 7, 100, 10), at(null, 7, 300, 30))?.userMs).toBe(200)
    expect(redisBetween(at(null, null, 100, 10), at(null, null, 300, 30))).toBeNull()
    // Counters that went down were reset: the CPU figure is dropped with them, the script figure alone if only it went down.
    expect(redisBetween(at('a1', 7, 300, 10), at('a1', 7, 100, 30))).toBeNull()
    expect(redisBetween(at('a1', 7, 100, 30), at('a1', 7, 300, 10))?.scripts).toBeNull()
    expect(redisBetween(at('a1', 7, 100, 10), {...at('a1', 7, 300, 30), scripts: null})?.scripts).toBeNull()
  })

  it('reads INFO cpu in ms', () => {
    expect(parseInfoCpu('# CPU\r\nused_cpu_sys:1.25\r\nused_cpu_user:2.5\r\n')).toEqual({userMs: 2500, systemMs: 1250})
    expect(() => parseInfoCpu('# CPU\r\n')).toThrow(/used_cpu_user/)
  })
})
