// 53-bit hash of a state key, stored in a Set<number> (hash compaction, as SPIN's): a fraction
// of the memory of storing keys. Two independent 32-bit FNV-1a style lanes; the chance that
// any two of n distinct states collide (and one is wrongly skipped) is about n^2 / 2^54.
export function hashKey(s: string): number {
  let a = 0x811c9dc5
  let b = 0x01000193 ^ s.length
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193)
    b = Math.imul(b ^ c, 0x5bd1e995)
    b ^= b >>> 15
  }
  return (a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff)
}

/** Probability that some pair among n states collided (upper bound, birthday estimate). */
export function collisionBound(n: number): number {
  return Math.min(1, (n * n) / 2 ** 54)
}
