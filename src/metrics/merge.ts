// Cluster-wide histograms: adding the nodes' histograms together, and the on-disk layout of a
// run's histograms (results/RUN/histograms/{merged,node-K}/<key>[-uncorrected].{histf,hgrm}).
import {mkdir, readdir, readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {decodeHistogram, encodeHistogram, newHistogram, type LatencyHistogram} from './histogram.js'
import {emptyEncoded, type EncodedHistograms} from '../records/histogram-keys.js'

type Side = 'corrected' | 'uncorrected'

// A producer may leave out an uncorrected entry that equals the corrected one.
function entry(e: EncodedHistograms, side: Side, key: string): string | undefined {
  return side === 'uncorrected' ? (e.uncorrected[key] ?? e.corrected[key]) : e.corrected[key]
}

/** Adds the histograms of every element key by key (keys missing from an element count as empty). */
export function mergeHistograms(list: readonly EncodedHistograms[]): EncodedHistograms {
  const out = emptyEncoded()
  const keys = new Set<string>()
  for (const e of list) for (const k of [...Object.keys(e.corrected), ...Object.keys(e.uncorrected)]) keys.add(k)
  for (const key of keys) {
    const corrected = sumOf(list, 'corrected', key)
    if (corrected !== undefined) out.corrected[key] = corrected
    // Equal inputs give an equal output without relying on the encoder being deterministic,
    // so writeHistogramFiles still sees "no difference" after a merge.
    const same = list.every((e) => entry(e, 'uncorrected', key) === e.corrected[key])
    const uncorrected = same ? corrected : sumOf(list, 'uncorrected', key)
    if (uncorrected !== undefined) out.uncorrected[key] = uncorrected
  }
  return out
}

function sumOf(list: readonly EncodedHistograms[], side: Side, key: string): string | undefined {
  const sum = newHistogram()
  let any = false
  list.forEach((e, i) => {
    const s = entry(e, side, key)
    if (s === undefined) return
    addInto(sum, s, `${side} ${key} of element ${i}`)
    any = true
  })
  return any ? encodeHistogram(sum) : undefined
}

function addInto(sum: LatencyHistogram, encoded: string, what: string): void {
  try {
    sum.add(decodeHistogram(encoded))
  } catch (err) {
    throw new Error(`cannot merge ${what}: ${err instanceof Error ? err.message : String(err)}`, {cause: err})
  }
}

const UNCORRECTED_SUFFIX = '-uncorrected'
// File names must map back to keys: the prefix (before ':') may not contain '-'.
const KEY_PATTERN = /^[a-z0-9]+:[a-z0-9][a-z0-9-]*$/

function fileBase(key: string): string {
  if (!KEY_PATTERN.test(key) || key.endsWith(UNCORRECTED_SUFFIX)) throw new Error(`histogram key not usable as a file name: ${key}`)
  return key.replace(':', '-')
}

function keyOf(base: string): string {
  return base.replace('-', ':')
}

/**
 * Writes `<key>.histf` (HISTF V2 base64, one line) and `<key>.hgrm` (percentile distribution in
 * µs) for the corrected histograms, plus `<key>-uncorrected.*` where the uncorrected histogram
 * differs, under `dir/merged/` and `dir/node-K/`. Returns the paths written (joined onto `dir`).
 */
export async function writeHistogramFiles(dir: string, perNode: ReadonlyMap<number, EncodedHistograms>, merged: EncodedHistograms): Promise<string[]> {
  const groups: [string, EncodedHistograms][] = [['merged', merged]]
  for (const [node, e] of [...perNode].sort(([a], [b]) => a - b)) groups.push([`node-${node}`, e])
  const written: string[] = []
  for (const [name, e] of groups) {
    const groupDir = join(dir, name)
    await mkdir(groupDir, {recursive: true})
    const keys = new Set([...Object.keys(e.corrected), ...Object.keys(e.uncorrected)])
    for (const key of [...keys].sort()) {
      const corrected = e.corrected[key]
      const uncorrected = entry(e, 'uncorrected', key)
      const base = fileBase(key)
      if (corrected !== undefined) written.push(...(await writePair(groupDir, base, corrected)))
      if (uncorrected !== undefined && uncorrected !== corrected) written.push(...(await writePair(groupDir, base + UNCORRECTED_SUFFIX, uncorrected)))
    }
  }
  return written
}

async function writePair(groupDir: string, base: string, encoded: string): Promise<string[]> {
  const h = decodeHistogram(encoded)
  const histf = join(groupDir, `${base}.histf`)
  const hgrm = join(groupDir, `${base}.hgrm`)
  await writeFile(histf, `${encoded.trim()}\n`)
  await writeFile(hgrm, h.outputPercentileDistribution(5, 1))
  return [histf, hgrm]
}

export interface HistogramFiles {
  /** Empty when `dir/merged/` does not exist. */
  readonly merged: EncodedHistograms
  readonly perNode: Map<number, EncodedHistograms>
}

/** Reads back what writeHistogramFiles wrote (the `.histf` files; `.hgrm` are for people and other tools). */
export async function readHistogramFiles(dir: string): Promise<HistogramFiles> {
  const entries = await readdir(dir, {withFileTypes: true})
  let merged = emptyEncoded()
  const perNode = new Map<number, EncodedHistograms>()
  for (const ent of entries) {
    if (!ent.isDirectory()) continue
    if (ent.name === 'merged') {
      merged = await readGroup(join(dir, ent.name))
      continue
    }
    const m = /^node-(\d+)$/.exec(ent.name)
    if (m) perNode.set(Number(m[1]), await readGroup(join(dir, ent.name)))
  }
  return {merged, perNode: new Map([...perNode].sort(([a], [b]) => a - b))}
}

async function readGroup(groupDir: string): Promise<EncodedHistograms> {
  const out = emptyEncoded()
  const uncorrected = new Map<string, string>()
  for (const name of (await readdir(groupDir)).sort()) {
    if (!name.endsWith('.histf')) continue
    const path = join(groupDir, name)
    const text = (await readFile(path, 'utf8')).trim()
    try {
      decodeHistogram(text)
    } catch (err) {
      throw new Error(`${path}: ${err instanceof Error ? err.message : String(err)}`, {cause: err})
    }
    const base = name.slice(0, -'.histf'.length)
    if (base.endsWith(UNCORRECTED_SUFFIX)) uncorrected.set(keyOf(base.slice(0, -UNCORRECTED_SUFFIX.length)), text)
    else out.corrected[keyOf(base)] = text
  }
  // No -uncorrected file means the uncorrected histogram equals the corrected one.
  for (const [key, s] of Object.entries(out.corrected)) out.uncorrected[key] = s
  for (const [key, s] of uncorrected) out.uncorrected[key] = s
  return out
}
