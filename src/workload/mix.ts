// Drawing the ops of one mix step. Built once per mix step per stream (tables are O(pages)),
// then every draw is O(log n) with no allocation beyond the op itself.
import type {PageRef} from '../protocol/types.js'
import {LIMITS} from './keys.js'
import {type Rng, zipf} from './random.js'
import type {FileSpec, MixStep, Op} from './types.js'

export interface MixDrawer {
  next(rng: Rng): Op
}

export function mixDrawer(step: MixStep, files: Readonly<Record<string, FileSpec>>): MixDrawer {
  const names = step.files
  const sizes = names.map((f) => files[f]?.pages ?? 0)
  const pick = pagePicker(step, names, sizes)
  const writeBelow = step.read + step.write
  return {
    next(rng) {
      const r = rng.nextInt(100)
      if (r < step.read) return {f: 'read', page: pick(rng)}
      if (r < writeBelow) return {f: 'write', page: pick(rng)}
      return drawCopy(rng, names, sizes)
    },
  }
}

/** Pages of all the mix's files, as one index space: file 0's pages, then file 1's... */
function pagePicker(step: MixStep, names: readonly string[], sizes: readonly number[]): (rng: Rng) => PageRef {
  const starts: number[] = []
  let total = 0
  for (const size of sizes) {
    starts.push(total)
    total += size
  }
  const locate = (g: number): PageRef => {
    // Last file whose first index is <= g.
    let lo = 0
    let hi = starts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1
      if ((starts[mid] ?? 0) <= g) lo = mid
      else hi = mid - 1
    }
    return {file: names[lo] ?? '', page: g - (starts[lo] ?? 0)}
  }
  if (step.pages === 'uniform') return (rng) => locate(rng.nextInt(total))

  // Zipf ranks go round-robin over the files (rank 0 = a/0, rank 1 = b/0, rank 2 = a/1...),
  // so every file gets hot pages instead of the first file taking all of them.
  const byRank = new Int32Array(total)
  let rank = 0
  const longest = Math.max(...sizes)
  for (let p = 0; p < longest; p++) {
    sizes.forEach((size, f) => {
      if (p < size) byRank[rank++] = (starts[f] ?? 0) + p
    })
  }
  const sample = zipf(total)
  return (rng) => locate(byRank[sample(rng)] ?? 0)
}

/** A random valid copy between two different files of the mix (parse ensured there are two). */
function drawCopy(rng: Rng, names: readonly string[], sizes: readonly number[]): Op {
  const i = rng.nextInt(names.length)
  let j = rng.nextInt(names.length - 1)
  if (j >= i) j++
  const fromSize = sizes[i] ?? 1
  const toSize = sizes[j] ?? 1
  const pages = 1 + rng.nextInt(Math.min(LIMITS.mixCopyMaxPages, fromSize, toSize))
  return {
    f: 'copy',
    from: {file: names[i] ?? '', page: rng.nextInt(fromSize - pages + 1)},
    to: {file: names[j] ?? '', page: rng.nextInt(toSize - pages + 1)},
    pages,
  }
}
