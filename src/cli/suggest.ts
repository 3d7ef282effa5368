// "Did you mean" for misspelt commands and flags: the closest candidate by edit distance, if it
// is close enough to be a plausible typo (at most a third of the word's letters, at least 1).
import {editDistance} from '../workload/values.js'

export function closest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null
  let bestDistance = Math.max(1, Math.floor(word.length / 3))
  for (const c of candidates) {
    const d = editDistance(word, c)
    if (d <= bestDistance && (best === null || d < bestDistance)) {
      best = c
      bestDistance = d
    }
  }
  return best
}
