// Cost of LatencyRecorder.record, the per-operation hot path of every node.
import {pathToFileURL} from 'node:url'
import {FAULT_CLASSES, type FaultClass} from '../src/protocol/types.js'
import {LatencyRecorder} from '../src/metrics/recorder.js'
import {OP_NAMES, type OpName} from '../src/records/histogram-keys.js'

const CALLS = 2_000_000
const ROUNDS = 3
const INPUTS = 4096 // power of two: the loop indexes with a mask

/**
 * Closed-loop record() calls (the common case: no intended latency) over a realistic spread of
 * ops, fault classes and latencies (1 µs .. ~100 ms, log-uniform). Inputs are generated up front
 * so only record() is timed; the result is the median of ROUNDS rounds of CALLS calls.
 */
export async function benchHistograms(): Promise<{nsPerRecord: number}> {
  const ops: OpName[] = []
  const faults: (FaultClass | null)[] = []
  const latencies = new Float64Array(INPUTS)
  let seed = 12345
  const rnd = (): number => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0
    return seed / 2 ** 32
  }
  for (let i = 0; i < INPUTS; i++) {
    ops.push(OP_NAMES[Math.floor(rnd() * OP_NAMES.length)] ?? 'read')
    faults.push(rnd() < 0.2 ? null : (FAULT_CLASSES[Math.floor(rnd() * FAULT_CLASSES.length)] ?? 'hit'))
    latencies[i] = Math.exp(rnd() * Math.log(100_000)) // fractional on purpose, like clock deltas
  }

  const recorder = new LatencyRecorder()
  const run = (calls: number): number => {
    const start = process.hrtime.bigint()
    for (let i = 0; i < calls; i++) {
      const j = i & (INPUTS - 1)
      recorder.record(ops[j]!, faults[j]!, latencies[j]!)
    }
    return Number(process.hrtime.bigint() - start) / calls
  }

  run(200_000) // warm-up: let the JIT optimise record() and allocate every histogram
  const results: number[] = []
  for (let r = 0; r < ROUNDS; r++) {
    results.push(run(CALLS))
    // Yield between rounds so a caller's timers and I/O are not starved.
    await new Promise((resolve) => setImmediate(resolve))
  }
  results.sort((a, b) => a - b)
  return {nsPerRecord: Math.round((results[Math.floor(ROUNDS / 2)] ?? 0) * 10) / 10}
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const {nsPerRecord} = await benchHistograms()
  console.log(`LatencyRecorder.record: ${nsPerRecord} ns per call`)
}
