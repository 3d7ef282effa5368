// The results folder (`--results`, alias `--out`) is checked and created before anything starts: a run whose results
// cannot be written is refused up front (exit 2), not discovered at its end. Folders are created
// one level at a time: Node 20's recursive mkdirSync loops forever on paths like /proc/nope.
import {existsSync, mkdirSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'

export class OutDirError extends Error {}

/** Creates `path` if needed and checks a file can be written in it; throws OutDirError saying why not. */
export function prepareOutDir(path: string): void {
  if (path.trim() === '') throw new OutDirError('--results: empty folder name (give a folder, e.g. --results results)')
  const missing: string[] = []
  let existing = resolve(path)
  while (!existsSync(existing)) {
    missing.unshift(existing)
    existing = dirname(existing)
  }
  if (!statSync(existing).isDirectory()) throw new OutDirError(`--results ${path}: ${existing} is not a folder`)
  for (const dir of missing) {
    try {
      mkdirSync(dir)
    } catch (error) {
      throw new OutDirError(`--results ${path}: cannot create ${dir} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`)
    }
  }
  const probe = join(path, `.cmm-write-test-${process.pid}`)
  try {
    writeFileSync(probe, '')
    rmSync(probe)
  } catch (error) {
    throw new OutDirError(`--results ${path}: cannot write in it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`)
  }
}
