// How much of the private Redis survives a crash of its process (`--redis-durability`):
//   none      no persistence: a restart comes back empty (the run's epoch key gone: the run ends)
//   everysec  append-only file, fsync once a second (a process crash loses what Redis had not yet
//             written to the file: next to nothing; a machine crash loses up to a second)
//   always    append-only file, fsync before every reply: an acknowledged write survives
// The default is `none`: no file, no fsync on the hot path (fast tests); a run that injects
// `restart-redis` and must go on asks for `always` (or `everysec`).
import type {Durability} from '../records/redis-setup.js'

export {DEFAULT_DURABILITY, DURABILITIES, type Durability} from '../records/redis-setup.js'

/** redis-server arguments for the durability; the AOF goes to `--dir` (the run's folder). */
export function persistenceArgs(durability: Durability): string[] {
  if (durability === 'none') return ['--appendonly', 'no']
  // No RDB preamble in rewrites: the file stays a plain command log (redis-check-aof reads it).
  return ['--appendonly', 'yes', '--appendfsync', durability, '--appenddirname', 'appendonly', '--aof-use-rdb-preamble', 'no']
}

/** What a restart keeps: everything acknowledged (`always`), what reached the file (`everysec`), nothing. */
export function survivesRestart(durability: Durability): boolean {
  return durability !== 'none'
}
