// "Did you mean" for misspelt commands and flags: the closest candidate by edit distance, if it
// is close enough to be a plausible typo (at most a third of the word's letters, at least 1).

/** Edits (insert, delete, substitute, swap two neighbours) from a to b: `--sede` is one swap from `--seed`. */
export function editDistance(a: string, b: string): number {
  let before: number[] = []
  let row = Array.from({length: b.length + 1}, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const next = [i]
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) next[j] = Math.min(next[j]!, before[j - 2]! + 1)
    }
    before = row
    row = next
  }
  return row[b.length]!
}

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
