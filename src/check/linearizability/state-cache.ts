// The set of visited search states (set of linearized ops, register value).
//
// Porcupine stores a full clone of the linearized bitset per state: O(n/32) words each,
// which is quadratic on one long register. Here a set is stored by *windows*: the search
// only ever linearizes ops whose call precedes every pending return, so, numbering ops in
// invoke order, all ops below the first unlinearized one are in the set and none above
// the highest linearized one. Storing the words between the two keeps a state a few words
// wide, however long the history; it is still an exact key. (Ops that may never have
// happened get a window of their own: they can stay unlinearized for ever.)

/** The arena never grows past this many ints (1 GiB): past it, the search gives up. */
const MAX_ARENA = 1 << 28

function sameWords(arena: Int32Array, at: number, bits: Uint32Array, from: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (arena[at + i] !== (bits[from + i]! | 0)) return false
  return true
}

/** Open-addressing table over records kept in one Int32Array arena. */
export class VisitedStates {
  /** Record offset + 1; 0 = empty slot. */
  private table = new Int32Array(1024)
  private mask = 1023
  private count = 0
  /** Records: [hash, state, start1, length1, start2, length2, ...words1, ...words2]. */
  private arena = new Int32Array(1 << 16)
  private top = 0

  constructor(private readonly maxStates: number) {}

  get size(): number {
    return this.count
  }

  /** Forgets every state; sizes the table for a register of `ops` ops. */
  reset(ops: number): void {
    let want = 1024
    while (want < 4 * ops && want < 1 << 26) want *= 2
    if (this.table.length < want || this.table.length > 4 * want) {
      this.table = new Int32Array(want)
    } else {
      this.table.fill(0)
    }
    this.mask = this.table.length - 1
    this.count = 0
    this.top = 0
  }

  /**
   * Adds the state whose set of ops is given by two windows of `bits`, `[s1..e1]` and
   * `[s2..e2]` (word indices; a window with e < s has no words), and whose register value
   * is `state`; `hash` must be a hash of both. The caller guarantees the windows are a
   * canonical description of the set (see RegisterSearch). Returns 1 when added, 0 when
   * already visited, -1 when the state limit (or the arena's size limit) is reached.
   */
  add(bits: Uint32Array, s1: number, e1: number, s2: number, e2: number, state: number, hash: number): number {
    const len1 = e1 >= s1 ? e1 - s1 + 1 : 0
    const len2 = e2 >= s2 ? e2 - s2 + 1 : 0
    const arena = this.arena
    const table = this.table
    const mask = this.mask
    let slot = hash & mask
    for (;;) {
      const ref = table[slot]!
      if (ref === 0) break
      const r = ref - 1
      if (
        arena[r] === hash &&
        arena[r + 1] === state &&
        arena[r + 2] === s1 &&
        arena[r + 3] === len1 &&
        arena[r + 4] === s2 &&
        arena[r + 5] === len2 &&
        sameWords(arena, r + 6, bits, s1, len1) &&
        sameWords(arena, r + 6 + len1, bits, s2, len2)
      ) {
        return 0
      }
      slot = (slot + 1) & mask
    }
    const need = this.top + 6 + len1 + len2
    if (this.count >= this.maxStates || need > MAX_ARENA) return -1
    if (need > this.arena.length) this.growArena(need)
    const out = this.arena
    const r = this.top
    out[r] = hash
    out[r + 1] = state
    out[r + 2] = s1
    out[r + 3] = len1
    out[r + 4] = s2
    out[r + 5] = len2
    for (let i = 0; i < len1; i++) out[r + 6 + i] = bits[s1 + i]! | 0
    for (let i = 0; i < len2; i++) out[r + 6 + len1 + i] = bits[s2 + i]! | 0
    table[slot] = r + 1
    this.top = need
    this.count++
    if (this.count * 2 > table.length) this.growTable()
    return 1
  }

  private growArena(need: number): void {
    let size = this.arena.length * 2
    while (size < need) size *= 2
    size = Math.min(size, MAX_ARENA)
    const next = new Int32Array(size)
    next.set(this.arena.subarray(0, this.top))
    this.arena = next
  }

  private growTable(): void {
    const old = this.table
    const table = new Int32Array(old.length * 2)
    const mask = table.length - 1
    for (let i = 0; i < old.length; i++) {
      const ref = old[i]!
      if (ref === 0) continue
      let slot = this.arena[ref - 1]! & mask
      while (table[slot] !== 0) slot = (slot + 1) & mask
      table[slot] = ref
    }
    this.table = table
    this.mask = mask
  }
}
