// Times the register linearizability checker on generated (valid) histories: the many-key
// shape of `cmm run workload` histories from 10^3 to 10^6 ops, a few hard single-key
// histories with many concurrent processes, and JSONL parsing. Generation is not timed.
// Run alone with `node --import tsx bench/check-history.ts`.
import {pathToFileURL} from 'node:url'

import {checkRegisterHistory, type GenerateOptions, generateRegisterHistory, parseHistoryJsonl} from '../src/check/linearizability/index.js'

export interface CheckHistoryBenchRow {
  readonly name: string
  readonly ops: number
  readonly keys: number
  /** Wall-clock seconds (what opsPerSec is computed from). */
  readonly seconds: number
  readonly opsPerSec: number
  /** CPU seconds of the process (user + system, GC threads included): a figure that a busy machine inflates less than `seconds`. */
  readonly cpuSeconds: number
}

interface Case {
  readonly name: string
  readonly options: GenerateOptions
}

const MANY_KEYS: Case[] = [1e3, 1e4, 1e5, 1e6].map((ops) => {
  const keys = Math.max(1, ops / 1000)
  return {
    name: `${ops} ops, ${keys} key${keys === 1 ? '' : 's'}, 16 processes`,
    options: {seed: 1, ops, keys, processes: 16, cas: 0.1, info: 0.01, fail: 0.01},
  }
})

const HARD: Case[] = [
  {name: '1 key, 64 processes, long overlapping ops, 10% cas', options: {seed: 2, ops: 20_000, processes: 64, overlap: 4, cas: 0.1}},
  {name: '1 key, 128 processes, 90% reads', options: {seed: 3, ops: 50_000, processes: 128, reads: 0.9, overlap: 4}},
  {name: '1 key, 32 processes, 30% cas, 10% crashed', options: {seed: 4, ops: 20_000, processes: 32, cas: 0.3, info: 0.1}},
  {
    name: '1 key, Jepsen cas-register (values 0-4), 5 processes, 5% crashed',
    options: {seed: 5, ops: 100_000, processes: 5, cas: 0.3, info: 0.05, values: 5},
  },
  {name: '1 key, 8 processes, long history', options: {seed: 6, ops: 1_000_000, processes: 8}},
]

interface Timed<T> {
  readonly value: T
  readonly seconds: number
  readonly cpuSeconds: number
}

function time<T>(fn: () => T): Timed<T> {
  const started = performance.now()
  const cpu = process.cpuUsage()
  const value = fn()
  const used = process.cpuUsage(cpu)
  return {value, seconds: (performance.now() - started) / 1000, cpuSeconds: (used.user + used.system) / 1e6}
}

function row(name: string, ops: number, keys: number, t: {seconds: number; cpuSeconds: number}): CheckHistoryBenchRow {
  return {
    name,
    ops,
    keys,
    seconds: Number(t.seconds.toFixed(3)),
    opsPerSec: Math.round(ops / t.seconds),
    cpuSeconds: Number(t.cpuSeconds.toFixed(3)),
  }
}

export async function benchCheckHistory(): Promise<{rows: CheckHistoryBenchRow[]}> {
  const rows: CheckHistoryBenchRow[] = []
  // Warm the JIT up so that the small cases measure the checker, not the compiler.
  checkRegisterHistory(generateRegisterHistory({seed: 99, ops: 20_000, keys: 20, processes: 16, cas: 0.1, info: 0.01}))
  for (const c of [...MANY_KEYS, ...HARD]) {
    const entries = generateRegisterHistory(c.options)
    const checked = time(() => checkRegisterHistory(entries))
    const r = checked.value
    if (r.valid !== true) throw new Error(`bench ${c.name}: expected a linearizable history, got ${r.valid}`)
    rows.push(row(`check: ${c.name}`, c.options.ops, r.keys, checked))
    // The biggest many-key history also measures what `cmm check history` does with a
    // file's bytes: decode and parse the JSONL, then check.
    if (c === MANY_KEYS.at(-1)) {
      const bytes = new TextEncoder().encode(entries.map((e) => JSON.stringify(e)).join('\n'))
      const parsed = time(() => parseHistoryJsonl(bytes, 'bench.jsonl'))
      rows.push(row(`parse JSONL: ${c.name}`, c.options.ops, r.keys, parsed))
      const again = time(() => checkRegisterHistory(parsed.value))
      const both = {seconds: parsed.seconds + again.seconds, cpuSeconds: parsed.cpuSeconds + again.cpuSeconds}
      rows.push(row(`parse + check JSONL: ${c.name}`, c.options.ops, r.keys, both))
    }
    await new Promise((resolve) => setImmediate(resolve))
  }
  return {rows}
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const {rows} = await benchCheckHistory()
  console.table(rows)
}

