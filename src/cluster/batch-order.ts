// A process's history batches in the order it made them (1, 2, 3...), whatever order they reach
// the outbox in. They leave the node in order on one connection, but a Redis restart can swap
// two: a demote carrying batch n is re-sent by ioredis after the reconnection, answered NOSCRIPT
// by the new server and sent again as EVAL behind the XADD of batch n+1 issued meanwhile. The
// record store spools each process's rows as one time-ordered run (its merge relies on it), so a
// batch that arrives early waits here for the ones before it. A re-sent copy is dropped.
import {invariant} from '../protocol/errors.js'

/** Batches held per process at most, waiting for an earlier one; past it the missing one is given up (a gap the record store cuts). */
export const MAX_HELD_BATCHES = 256

export class BatchOrder<T> {
  /** Per process: the next batch number due, and the later batches that came early. */
  private readonly procs = new Map<number, {next: number; held: Map<number, T>}>()

  /** The batches `batch` releases, in number order: none (held, or a copy already seen), itself, or itself and the held ones it was keeping back. */
  accept(proc: number, batch: number, item: T): T[] {
    invariant(Number.isInteger(batch) && batch >= 1, `history batch number ${batch}: batches count from 1`)
    let p = this.procs.get(proc)
    if (p === undefined) this.procs.set(proc, (p = {next: 1, held: new Map()}))
    if (batch < p.next || p.held.has(batch)) return []
    p.held.set(batch, item)
    if (batch !== p.next && p.held.size <= MAX_HELD_BATCHES) return []
    // Given up waiting past the bound: resume from the earliest batch held.
    if (!p.held.has(p.next)) p.next = Math.min(...p.held.keys())
    return release(p)
  }

  /** At the run's end: every batch still held, by process and number; a batch that never came stays missing (a gap). */
  drain(): {proc: number; item: T}[] {
    const out: {proc: number; item: T}[] = []
    for (const [proc, p] of [...this.procs].sort(([a], [b]) => a - b)) {
      const numbers = [...p.held.keys()].sort((a, b) => a - b)
      for (const n of numbers) out.push({proc, item: p.held.get(n)!})
      p.next = Math.max(p.next, ...numbers.map((n) => n + 1))
      p.held.clear()
    }
    return out
  }
}

/** The held batches from `next` on that follow each other without a gap. */
function release<T>(p: {next: number; held: Map<number, T>}): T[] {
  const out: T[] = []
  for (let item = p.held.get(p.next); item !== undefined; item = p.held.get(p.next)) {
    out.push(item)
    p.held.delete(p.next)
    p.next++
  }
  return out
}
