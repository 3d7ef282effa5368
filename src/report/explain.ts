// Failures explained from their cause, for the run's summary: each violation kind (causes
// first), where it happened (node, unit, times), the record files and lines that show it, and,
// for a broken variant the model checker knows, the `cmm check model` command that finds it.
import type {BreakVariant} from '../protocol/break.js'
import type {LocatedViolation} from '../records/violation.js'

/** Model-checker runs that find each variant (test/sim/variants.test.ts proves each). */
const MODEL_COMMANDS: Record<BreakVariant, string> = {
  'skip-writeback': 'cmm check model workloads/upgrade-race.yaml --ops 3 --states exclusive --break skip-writeback',
  'skip-invalidate': 'cmm check model workloads/upgrade-race.yaml --ops 6 --break skip-invalidate',
  'early-grant': 'cmm check model workloads/upgrade-race.yaml --ops 3 --break early-grant',
  'stale-read': 'cmm check model workloads/upgrade-race.yaml --ops 6 --break stale-read',
  'no-conversion-refusal': 'cmm check model workloads/upgrade-race.yaml --ops 3 --break no-conversion-refusal',
}

export function modelCommand(variant: BreakVariant | null): string | null {
  return variant === null ? null : MODEL_COMMANDS[variant]
}

/** One line per violation kind (its first occurrence, and how many more), causes first. */
export function explainLines(found: readonly LocatedViolation[], variant: BreakVariant | null, runDir: string): string[] {
  if (found.length === 0) return []
  const byKind = new Map<string, LocatedViolation[]>()
  for (const v of found) byKind.set(v.kind, [...(byKind.get(v.kind) ?? []), v])
  const lines = ['why (causes first):']
  for (const [kind, list] of byKind) {
    const v = list[0]!
    const more = list.length > 1 ? ` (+${list.length - 1} more)` : ''
    const at = v.from === v.to ? `at ${v.from.toFixed(3)}ms` : `${v.from.toFixed(3)}..${v.to.toFixed(3)}ms`
    lines.push(`  ${v.cause ? 'cause  ' : 'symptom'} ${kind}${more}: node${v.nodes.length === 1 ? '' : 's'} ${v.nodes.join(',')}, unit ${v.unit}, ${at}: ${v.text} [${v.records.join(', ')}]`)
  }
  lines.push(`  drawn: cmm report timeline ${runDir}`)
  const model = modelCommand(variant)
  if (model) lines.push(`  the model checker finds it as a step-by-step trace: ${model}`)
  return lines
}
