// Scalar syntaxes of the format (page refs, node selectors; durations: duration.ts), as pure
// functions so the CLI can reuse them and messages stay identical.
import {FILE_NAME_PATTERN} from './keys.js'

const FILE_NAME = new RegExp(FILE_NAME_PATTERN)
const PAGE_REF = /^([A-Za-z_][A-Za-z0-9_-]*)\/(\d+)$/

export function isFileName(text: string): boolean {
  return FILE_NAME.test(text)
}

/** `a/3` -> {file: 'a', page: 3}; null when malformed (existence is checked by the caller). */
export function parsePageText(text: string): {file: string; page: number} | null {
  const m = PAGE_REF.exec(text)
  if (m === null || m[1] === undefined || m[2] === undefined) return null
  const page = Number(m[2])
  return Number.isSafeInteger(page) ? {file: m[1], page} : null
}

/** Which nodes an entry of `nodes:` applies to: `all`, or inclusive id ranges. */
export type Selector =
  | {readonly kind: 'all'}
  | {readonly kind: 'ranges'; readonly ranges: readonly {readonly lo: number; readonly hi: number}[]}

/**
 * `all`, `3`, `1,2`, `0-3`, or a comma list mixing both (`0,2-3`). Null when malformed,
 * when a range runs backwards, or when a node is named twice (almost certainly a typo).
 */
export function parseSelector(text: string): Selector | null {
  const t = text.trim()
  if (t === 'all') return {kind: 'all'}
  const ranges: {lo: number; hi: number}[] = []
  for (const part of t.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part)
    if (m === null) return null
    const lo = Number(m[1])
    const hi = m[2] === undefined ? lo : Number(m[2])
    if (!Number.isSafeInteger(hi) || hi < lo) return null
    if (ranges.some((r) => lo <= r.hi && r.lo <= hi)) return null
    ranges.push({lo, hi})
  }
  return {kind: 'ranges', ranges}
}

export function selects(selector: Selector, node: number): boolean {
  return selector.kind === 'all' || selector.ranges.some((r) => r.lo <= node && node <= r.hi)
}

/** Highest node id a selector names, or -1 for `all` (which names only existing nodes). */
export function highestNode(selector: Selector): number {
  return selector.kind === 'all' ? -1 : Math.max(...selector.ranges.map((r) => r.hi))
}

/** Closest candidate within a small edit distance, for "did you mean" hints. */
export function closest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null
  let bestDist = Math.max(1, Math.floor(word.length / 3)) + 1
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase())
    if (d < bestDist) {
      best = c
      bestDist = d
    }
  }
  return best
}

/** Levenshtein distance, with a swap of two adjacent letters counted as one edit (`--sede` -> `--seed`). */
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
