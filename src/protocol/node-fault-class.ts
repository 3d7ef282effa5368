// How an access or a pin is classified when it completes. An operation can wait behind several
// things (its own request, another operation's request, a callback being served); it is classed by
// the most expensive of them, so that a long wait never hides in a cheap class's histogram.
import type {FaultClass} from './types.js'

const RANK: Readonly<Record<FaultClass, number>> = {
  hit: 0,
  'cached-lock': 1,
  acquired: 2,
  'after-callback': 3,
  // An upgrade outranks a queued wait: the doc files a queued-then-granted upgrade under `upgrade`.
  upgrade: 4,
}

export function worseClass(a: FaultClass, b: FaultClass): FaultClass {
  return RANK[b] > RANK[a] ? b : a
}
