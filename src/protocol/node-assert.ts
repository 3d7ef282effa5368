// TIGER_STYLE assertions for the node core. A broken invariant means the core, the manager or the
// runtime has a bug: stop at once with a message that says which node and unit, rather than let
// an incoherent state spread into the history and be found (or not) much later by a checker.

export class NodeInvariantError extends Error {
  override readonly name = 'NodeInvariantError'
}

export function invariant(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) throw new NodeInvariantError(typeof message === 'string' ? message : message())
}
