// The three kinds of failure cmm tells apart. Code recognises them by class (`instanceof`), never
// by message text. They live in the protocol core because it is the bottom layer: it must
// import nothing from outside itself, and every other layer may import it.
//
// - InvariantError: something that cannot happen did (TIGER_STYLE assertion): a bug in cmm, or
//   a deliberately broken protocol variant. Stop at once with a message that says where,
//   rather than let an incoherent state spread into the history.
// - UsageError: local misuse: bad input from the person running cmm (a flag, a file, a run id).
//   Commands report it on one line and exit with the bad-input status.
// - RemoteMessageError: a message from another process (Redis, a node, the orchestrator) that
//   does not have the shape it must have.

export class InvariantError extends Error {
  override readonly name: string = 'InvariantError'
}

export class UsageError extends Error {
  override readonly name: string = 'UsageError'
}

export class RemoteMessageError extends Error {
  override readonly name: string = 'RemoteMessageError'
}

/** The one assertion helper: throws InvariantError when `condition` is false. */
export function invariant(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) throw new InvariantError(typeof message === 'string' ? message : message())
}
