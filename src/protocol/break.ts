// Deliberately broken protocol variants (`--break NAME`): each a one-line deviation from the
// correct protocol, so that every checker can be shown to fail when the protocol is wrong.
export const BREAK_VARIANTS = {
  'skip-writeback': 'a release drops dirty pages instead of writing them back',
  'skip-invalidate': 'a release leaves the PTEs mapped',
  'early-grant': 'the manager grants before the holder acked its callback',
  'stale-read': 'a read fault on a cached page skips the lock',
  'no-conversion-refusal': 'the manager queues a second conflicting upgrade instead of refusing it (conversion deadlock)',
  'no-lease-guard': 'a node keeps completing cached accesses after its lease has lapsed',
  'unfenced-writeback': 'the manager writes the pages of a write-back from an older generation (or a dead node) to disk',
} as const

export type BreakVariant = keyof typeof BREAK_VARIANTS

export function isBreakVariant(name: string): name is BreakVariant {
  return Object.hasOwn(BREAK_VARIANTS, name)
}
