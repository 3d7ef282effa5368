// Every exit status cmm and its node processes use, in one table (README "Exit codes" shows it).
// Commands, the node entry point, the supervisor (which reads a node's status) and the checkers'
// verdict mapping all take their numbers from here, never bare.
export const EXIT = {
  /** The run completed and every check is valid; `check model`: no violation found. */
  ok: 0,
  /** A check found a violation (or the run got stuck or deadlocked under `--on-deadlock abort`). */
  invalid: 1,
  /** Bad input: workload script, flags, history file, unknown or unreadable run, no such live run or node. */
  badInput: 2,
  /** A check could not decide in time (verdict unknown); `check model`: the budget ran out first. */
  unknown: 3,
  /** The run failed: a node crashed (not an injected kill), Redis missing, unreachable or restarted. */
  runFailed: 4,
  /** Interrupted (Ctrl-C, SIGTERM). */
  interrupted: 130,
} as const

/**
 * A node process's own statuses, read by the supervisor that spawned it. A node that lost its
 * lease exits with `leaseLost` so the supervisor restarts it as a new incarnation; any other
 * failure (or its parent gone) is `crashed`.
 */
export const NODE_EXIT = {
  ok: 0,
  crashed: 1,
  usage: 2,
  leaseLost: 3,
} as const

export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

/** The worse of two run statuses: interrupted > failed > invalid > unknown > ok. */
export function worseExit(a: number, b: number): number {
  const rank = (c: number) => ([EXIT.ok, EXIT.unknown, EXIT.invalid, EXIT.runFailed, EXIT.interrupted] as number[]).indexOf(c)
  return rank(b) > rank(a) ? b : a
}
