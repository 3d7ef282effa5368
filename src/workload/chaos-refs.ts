// What a chaos step names that the rest of the workload must have: node ids (checked against the
// cluster size in resolveScript, since --nodes may change it) and holder-of pages (checked against
// the declared files as every page ref).
import type {Position} from './errors.js'
import type {FileSpec} from './types.js'
import {parsePageText} from './values.js'
import {LIMITS} from './keys.js'
import type {Val, YamlReader} from './yaml-reader.js'

/** A node id a chaos step names, and where. */
export interface ChaosNodeRef {
  readonly id: number
  readonly at: Position
}

/** What chaos steps are checked against: the declared files, and where node ids go to be checked. */
export interface ChaosContext {
  readonly files: Readonly<Record<string, FileSpec>>
  readonly nodeRefs: ChaosNodeRef[]
}

/** A node id; kept with its place so resolveScript can check it against the cluster size. */
export function nodeId(r: YamlReader, v: Val, what: string, ctx: ChaosContext): number {
  const id = r.integer(v, what, 0, LIMITS.maxNodes - 1)
  ctx.nodeRefs.push({id, at: r.position(v.offset)})
  return id
}

/** The page of `holder-of F/P` must be one the workload declares. */
export function checkHolderPage(r: YamlReader, v: Val, page: string, ctx: ChaosContext): void {
  const ref = parsePageText(page)
  const spec = ref === null ? undefined : ctx.files[ref.file]
  if (ref === null || spec === undefined) r.fail(v, `holder-of a page of one of the files (${Object.keys(ctx.files).join(', ')})`, page)
  if (ref.page >= spec.pages) r.fail(v, `holder-of a page like a/0 (file ${ref.file} has pages 0..${spec.pages - 1})`, page)
}
