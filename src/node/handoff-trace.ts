// Timestamps of the steps of lock handoffs as one node process sees them, for the benchmark's
// critical-path figure (bench/critical-path.ts): off unless CMM_HANDOFF_TRACE names a folder, and
// then written there as node-PROC.jsonl when the node stops. Costs one array push per step.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import type {UnitId} from '../protocol/types.js'

/**
 * `request`: an acquire/upgrade sent; `callback`: a callback read from the inbox (at the holder);
 * `writeback`: a demote sent (with the dirty pages); `grant`: a grant read from the inbox or a
 * granted reply; `done`: an access that waited for another node's callback completed.
 */
export type HandoffStep = 'request' | 'callback' | 'writeback' | 'grant' | 'done'

/** [step, unit, µs on the shared clock] */
export type HandoffRecord = readonly [HandoffStep, UnitId, number]

/** Kept at most: a long traced run keeps its first steps only. */
const MAX_RECORDS = 500_000

export class HandoffTrace {
  private readonly records: HandoffRecord[] = []

  constructor(private readonly file: string) {}

  record(step: HandoffStep, unit: UnitId, atUs: number): void {
    if (this.records.length < MAX_RECORDS) this.records.push([step, unit, atUs])
  }

  write(): void {
    writeFileSync(this.file, this.records.map((r) => JSON.stringify(r)).join('\n') + '\n')
  }
}

export const HANDOFF_TRACE_ENV = 'CMM_HANDOFF_TRACE'

export function handoffTraceFromEnv(proc: number): HandoffTrace | null {
  const dir = process.env[HANDOFF_TRACE_ENV]
  return dir ? new HandoffTrace(join(dir, `node-${proc}.jsonl`)) : null
}
