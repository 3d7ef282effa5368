// The results folder (`--results`, alias `--out`) is checked and created before anything starts: a run whose results
// cannot be written is refused up front (exit 2), not discovered at its end. Folders are created
// one level at a time: Node 20's recursive mkdirSync loops forever on paths like /proc/nope.
import {existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {UsageError} from '../protocol/errors.js'

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

/** A `--results` folder that runs cannot be read from: a file, or unreadable (exit 2, like any bad flag). */
export class ResultsDirError extends UsageError {
  override readonly name: string = 'ResultsDirError'
}

/**
 * The names in a results folder, for the commands that look runs up in it (`report histograms`,
 * `cmm chaos`, `cmm clean`); [] when it does not exist (no runs yet). A `--results` that is a
 * file used to escape as a raw ENOTDIR: exit 1 with oclif's error box, or exit 4 ("Redis
 * unreachable") from `cmm chaos` and `cmm clean`.
 */
export function resultsEntries(path: string): string[] {
  if (!existsSync(path)) return []
  if (!statSync(path).isDirectory()) throw new ResultsDirError(`--results ${path}: not a folder`)
  try {
    return readdirSync(path)
  } catch (error) {
    throw new ResultsDirError(`--results ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`)
  }
}
