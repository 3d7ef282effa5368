// Shared helpers for the workload tests.
import {expect} from 'vitest'
import {WorkloadError} from '../../src/workload/errors.js'
import {parseWorkload} from '../../src/workload/parse.js'
import type {OpStream, ScheduledOp} from '../../src/workload/types.js'

/** Lines joined with newlines, so each test shows its YAML with visible line numbers. */
export function yaml(...lines: string[]): string {
  return `${lines.join('\n')}\n`
}

/** The WorkloadError that parsing `text` throws (fails the test if it does not throw one). */
export function parseError(text: string, source = 'bad.yaml'): WorkloadError {
  try {
    parseWorkload(text, source)
  } catch (e) {
    expect(e).toBeInstanceOf(WorkloadError)
    return e as WorkloadError
  }
  throw new Error(`expected a WorkloadError for:\n${text}`)
}

/** Drains a stream calling next() with a fixed elapsed time (at most `max` ops). */
export function drain(stream: OpStream, max = 1_000_000, elapsedUs = 0): ScheduledOp[] {
  const out: ScheduledOp[] = []
  for (let op = stream.next(elapsedUs); op !== null && out.length < max; op = stream.next(elapsedUs)) out.push(op)
  return out
}
