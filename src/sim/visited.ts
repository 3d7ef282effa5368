// The set of states seen by an exhaustive search, as 64-bit hashes in one open-addressing table
// of 32-bit lanes: 8 bytes a state, no per-entry object (a Set of 53-bit numbers costs ~5x the
// memory and most of a search's time in its hashing of heap doubles). The table is either
// private (it doubles when half full) or in a SharedArrayBuffer that every worker thread of a
// parallel search inserts into with compare-and-swap (fixed size: full is an error that says so).

/** Lane value 0 marks an empty slot: a zero lane is stored as 1 (two bits of 64 lost). */
const nonZero = (x: number): number => x || 1

/** Header of a shared table: [count, capacity log2]. */
const HEADER = 2
/** A thread adds its inserts to a shared table's count in batches of this many. */
const FLUSH_EVERY = 256

export class TableFullError extends Error {
  override readonly name = 'TableFullError'
}

export class VisitedSet {
  #tab: Int32Array
  #mask: number
  #count = 0
  readonly #shared: boolean

  private constructor(tab: Int32Array, shared: boolean) {
    this.#tab = tab
    this.#shared = shared
    this.#mask = ((tab.length - HEADER) >> 1) - 1
  }

  /** A private table that grows. */
  static local(log2 = 16): VisitedSet {
    return new VisitedSet(new Int32Array(HEADER + (2 << log2)), false)
  }

  /** A shared table of 2^log2 slots (8 bytes each): pass `buffer` to other threads and open it there with `attach`. */
  static shared(log2: number): VisitedSet {
    const tab = new Int32Array(new SharedArrayBuffer(4 * (HEADER + (2 << log2))))
    tab[1] = log2
    return new VisitedSet(tab, true)
  }

  static attach(buffer: SharedArrayBuffer): VisitedSet {
    return new VisitedSet(new Int32Array(buffer), true)
  }

  get buffer(): SharedArrayBuffer | null {
    return this.#shared ? (this.#tab.buffer as SharedArrayBuffer) : null
  }

  /** Shared: the table's count (every thread's flushed inserts) plus this thread's unflushed ones. */
  get size(): number {
    return this.#shared ? Atomics.load(this.#tab, 0) + this.#count : this.#count
  }

  /**
   * Shared: adds this thread's inserts to the table's count. A thread counts its own inserts and
   * flushes them in batches: one counter written by every insert of every thread would bounce
   * its cache line between the cores on each one.
   */
  flush(): void {
    if (!this.#shared || this.#count === 0) return
    const total = Atomics.add(this.#tab, 0, this.#count) + this.#count
    this.#count = 0
    // Full at 7/8: probes grow long past it, and a full table would never end a probe.
    if (total * 8 > (this.#mask + 1) * 7) throw new TableFullError(`the shared state table is full (${this.#mask + 1} slots, ${(this.bytes / 2 ** 20).toFixed(0)} MiB): search with --workers 1 (its table grows) or fewer ops`)
  }

  /** Bytes the table takes. */
  get bytes(): number {
    return this.#tab.byteLength
  }

  addHash(h: {readonly a: number; readonly b: number}): boolean {
    return this.add(h.a, h.b)
  }

  add(a0: number, b0: number): boolean {
    const a = nonZero(a0)
    const b = nonZero(b0)
    return this.#shared ? this.#addShared(a, b) : this.#addLocal(a, b)
  }

  #addLocal(a: number, b: number): boolean {
    const t = this.#tab
    for (let i = b & this.#mask; ; i = (i + 1) & this.#mask) {
      const at = HEADER + 2 * i
      const cur = t[at] as number
      if (cur === 0) {
        t[at] = a
        t[at + 1] = b
        if (++this.#count * 2 > this.#mask) this.#grow()
        return true
      }
      if (cur === a && t[at + 1] === b) return false
    }
  }

  #grow(): void {
    const old = this.#tab
    this.#tab = new Int32Array(HEADER + 2 * 2 * (this.#mask + 1))
    this.#mask = ((this.#tab.length - HEADER) >> 1) - 1
    this.#count = 0
    for (let at = HEADER; at < old.length; at += 2) if (old[at] !== 0) this.#addLocal(old[at] as number, old[at + 1] as number)
  }

  #addShared(a: number, b: number): boolean {
    const t = this.#tab
    for (let i = b & this.#mask; ; i = (i + 1) & this.#mask) {
      const at = HEADER + 2 * i
      const cur = Atomics.compareExchange(t, at, 0, a)
      if (cur === 0) {
        Atomics.store(t, at + 1, b)
        if (++this.#count >= FLUSH_EVERY) this.flush()
        return true
      }
      if (cur === a) {
        // Claimed by another thread a moment ago: its second lane follows at once.
        let other = Atomics.load(t, at + 1)
        while (other === 0) other = Atomics.load(t, at + 1)
        if (other === b) return false
      }
    }
  }
}
