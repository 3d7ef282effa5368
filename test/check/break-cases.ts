// The deliberately broken protocol variants (`--break NAME`), each with a small workload where it
// fires, and the checker that must catch it (test/check/break-variants.test.ts; the timeline's
// test draws the same runs).
import type {BreakVariant} from '../../src/protocol/break.js'

export interface Case {
  readonly variant: BreakVariant
  /** The checker that must catch it (others may too). */
  readonly checker: 'coherence' | 'linearizable' | 'no-lost-writes' | 'liveness'
  readonly violation: RegExp
  /** A count of the checker that must be non-zero. */
  readonly count?: string
  readonly script: string
}

// A workload cannot order ops across nodes (nodes start at one shared instant and only share
// locks), so whether a run takes the broken path depends on timing. The tests do not rely on the
// sleeps below: `untilFired` reruns a case until its run says the deviation fired (run.json
// `breakFired`), and only then asks whether the checker caught it; each case is written so that
// whenever it fires, in whichever order, the checker can see it. The sleeps make the usual order
// likely (node 0 first: the timeline test draws these runs and names the nodes) and stale-read's
// window wide; with them removed, the other four cases still fired and were caught in 4 runs of 4.
export const CASES: readonly Case[] = [
  {
    variant: 'skip-writeback', checker: 'no-lost-writes', violation: /lost their last write/,
    script: `
name: lost-on-release
description: node 0 writes a/0, node 1 then takes the whole file to write a/1; nobody writes a/0 again
cluster: {nodes: 2, granularity: file, states: shared, pageSize: 256}
files: {a: {pages: 2}}
nodes:
  "0": [ { write: a/0 }, { sleep: 60ms } ]
  "1": [ { sleep: 20ms }, { write: a/1 } ]
`,
  },
  {
    variant: 'skip-invalidate', checker: 'coherence', violation: /violations \(mapping-outlives-lock \d+.*\); first: mapping-outlives-lock: page a\/0: node \d/, count: 'mapping-outlives-lock',
    script: `
name: left-mapped
description: node 0 writes a/0, node 1 takes it over, node 0 reads it again
cluster: {nodes: 2, granularity: page, states: shared, pageSize: 256}
files: {a: {pages: 1}}
nodes:
  "0": [ { write: a/0 }, { sleep: 60ms }, { read: a/0 } ]
  "1": [ { sleep: 20ms }, { write: a/0 } ]
`,
  },
  {
    variant: 'early-grant', checker: 'coherence', violation: /held EX .* while node \d held EX/, count: 'conflicting-holds',
    script: `
name: early-grant
description: node 1 asks for a page node 0 holds within its minimum hold time
cluster: {nodes: 2, granularity: page, states: shared, pageSize: 256, holdTime: 200ms}
files: {a: {pages: 1}}
nodes:
  "0": [ { write: a/0 }, { sleep: 250ms } ]
  "1": [ { sleep: 20ms }, { write: a/0 } ]
`,
  },
  {
    // Reads go on after the write: a stale read that overlaps the write could be placed before it,
    // but one of the reads after it cannot, so whenever the deviation fires the checker can see it.
    variant: 'stale-read', checker: 'linearizable', violation: /read null .* cannot be placed/,
    script: `
name: stale-read
description: node 0 reads a/0 again and again, node 1 writes it meanwhile
cluster: {nodes: 2, granularity: page, states: shared, pageSize: 256}
files: {a: {pages: 1}}
nodes:
  "0": [ { read: a/0 }, { repeat: 12, do: [ { sleep: 10ms }, { read: a/0 } ] } ]
  "1": [ { sleep: 30ms }, { write: a/0 } ]
`,
  },
  {
    variant: 'no-conversion-refusal', checker: 'liveness', violation: /stuck: .*upgrade in flight/,
    script: `
name: conversion-deadlock
description: both nodes read a/0, then both write it (two SH->EX upgrades at once)
cluster: {nodes: 2, granularity: page, states: shared, pageSize: 256, holdTime: 200ms}
files: {a: {pages: 1}}
nodes:
  all: [ { read: a/0 }, { sleep: 20ms }, { write: a/0 } ]
`,
  },
]

/**
 * At most this many runs of a case, with seeds 1, 2, ... (the scripts make no random choice: the
 * seed only tells the runs apart; what differs between them is the timing).
 */
export const FIRE_ATTEMPTS = 5

/**
 * Runs `attempt(seed)` until `fired(run)` (the run's breakFired) is positive and returns that run;
 * throws, naming every attempt's count, if none fired in FIRE_ATTEMPTS runs.
 */
export async function untilFired<T>(what: string, attempt: (seed: number) => Promise<T>, fired: (run: T) => number | undefined): Promise<T> {
  const counts: string[] = []
  for (let seed = 1; seed <= FIRE_ATTEMPTS; seed++) {
    const run = await attempt(seed)
    const n = fired(run)
    if (n !== undefined && n > 0) return run
    counts.push(`seed ${seed}: breakFired ${n}`)
  }
  throw new Error(`${what}: the deviation never fired in ${FIRE_ATTEMPTS} runs (${counts.join(', ')})`)
}
