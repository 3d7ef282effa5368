// 64-bit hash of a state key in two independent 32-bit lanes (FNV-1a style and a murmur-style
// mix), stored in a visited table (src/sim/visited.ts) instead of the key (hash compaction, as
// SPIN's): 8 bytes a state. The chance that any two of n distinct states collide (and one is
// wrongly skipped) is about n^2 / 2^(bits + 1); the table compares 62 of the 64 bits.
export const HASH_BITS = 62

/** Writes the two lanes of `s`'s hash into out[0], out[1]. */
export function hashLanes(s: string, out: Int32Array): void {
  let a = 0x811c9dc5
  let b = 0x01000193 ^ s.length
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193)
    b = Math.imul(b ^ c, 0x5bd1e995)
    b ^= b >>> 15
  }
  // Final mixes: the table takes its position from b's low bits.
  b = Math.imul(b ^ (b >>> 13), 0x85ebca6b)
  out[0] = a ^ (a >>> 16)
  out[1] = b ^ (b >>> 16)
}

/** Probability that some pair among n states collided (upper bound, birthday estimate). */
export function collisionBound(n: number): number {
  return Math.min(1, (n * n) / 2 ** (HASH_BITS + 1))
}

/**
 * hashLanes of a template text with every MARK (char 1) and the slot char after it replaced by
 * `slots[slot]`, and every COUNTER (char 2) and the two chars after it (a counter's code) by
 * `rank(code)` as one char, without building that text: a state's node texts are hashed under
 * several renamings (symmetry reduction) and rankings. Seeded without the length, so equal
 * filled texts hash equal whatever templates they came from.
 */
export function hashFilled(template: string, slots: readonly string[], base: number, rank: (code: number) => number, out: Int32Array): void {
  let a = 0x811c9dc5
  let b = 0x01000193
  for (let i = 0; i < template.length; i++) {
    let c = template.charCodeAt(i)
    if (c === 1) {
      const text = slots[template.charCodeAt(++i) - base] as string
      for (let j = 0; j < text.length; j++) {
        c = text.charCodeAt(j)
        a = Math.imul(a ^ c, 0x01000193)
        b = Math.imul(b ^ c, 0x5bd1e995)
        b ^= b >>> 15
      }
      continue
    }
    if (c === 2) {
      c = base + rank(template.charCodeAt(i + 1) * 0x10000 + template.charCodeAt(i + 2))
      i += 2
    }
    a = Math.imul(a ^ c, 0x01000193)
    b = Math.imul(b ^ c, 0x5bd1e995)
    b ^= b >>> 15
  }
  b = Math.imul(b ^ (b >>> 13), 0x85ebca6b)
  out[0] = a ^ (a >>> 16)
  out[1] = b ^ (b >>> 16)
}
