// Writes a run's folder (README "Results layout"). run.json is written last, atomically, so a
// folder with a run.json is complete.
import {createWriteStream} from 'node:fs'
import {mkdir, rename, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {finished} from 'node:stream/promises'
import type {RunCollected} from '../records/run.js'
import type {EncodedHistograms} from '../records/histogram-keys.js'
import {mergeHistograms, writeHistogramFiles} from '../metrics/merge.js'
import type {RunSummary} from './summary.js'

export async function writeJsonl(path: string, rows: Iterable<unknown>): Promise<void> {
  const out = createWriteStream(path)
  let buffer = ''
  for (const row of rows) {
    buffer += JSON.stringify(row) + '\n'
    if (buffer.length > 1 << 16) {
      if (!out.write(buffer)) await new Promise<void>((r) => out.once('drain', () => r()))
      buffer = ''
    }
  }
  out.end(buffer)
  await finished(out)
}

export function mergedHistograms(run: RunCollected): EncodedHistograms | null {
  const per = run.nodes.flatMap((n) => (n.histograms ? [n.histograms] : []))
  return per.length === 0 ? null : mergeHistograms(per)
}

export async function writeRunData(run: RunCollected): Promise<void> {
  // history, trace, locks and requests .jsonl are already there: written as they arrived (cluster/record-store.ts).
  await mkdir(run.dir, {recursive: true})
  await writeFile(join(run.dir, 'final.json'), JSON.stringify(run.final, null, 1) + '\n')
  await writeJsonl(join(run.dir, 'events.jsonl'), run.events)
  const merged = mergedHistograms(run)
  if (merged) {
    const perNode = new Map<number, EncodedHistograms>()
    for (const n of run.nodes) if (n.histograms) perNode.set(n.node, n.histograms)
    await writeHistogramFiles(join(run.dir, 'histograms'), perNode, merged)
  }
}

export async function writeSummary(dir: string, summary: RunSummary): Promise<void> {
  const tmp = join(dir, 'run.json.tmp')
  await writeFile(tmp, JSON.stringify(summary, null, 2) + '\n')
  await rename(tmp, join(dir, 'run.json'))
}
