// Where an acquire or upgrade in flight stands, and the events that move it (h11's `_state.py`
// style: the phases are named, and a table says which event is legal in which phase).
//
// Why it is more than "sent, then done": the grant may come as a stream message before the
// request's `queued` reply is read (the reply travels on another connection), and the slot stays
// taken until that reply is read so that replies and requests stay one-to-one; and a queued
// request may be abandoned (a deadlock broken here), which needs its `queued` reply first and
// then a cancel whose own reply must be read.

export type LockPhase =
  /** Sent; neither its reply nor a grant message read yet. */
  | 'sent'
  /** Sent and then abandoned before its reply: the cancel goes out when the `queued` reply is read. */
  | 'sent-abandoned'
  /** The grant message was read first; the `queued` reply is still to come. */
  | 'granted-early'
  /**
   * Abandoned, then the grant came first: the abandon is moot (the reply ends the request as in
   * `granted-early`). Kept a phase of its own so that model-checker states stay exactly the states
   * they were when the phases were three flags.
   */
  | 'granted-early-abandoned'
  /** The `queued` reply was read: waiting for the grant message. */
  | 'queued'
  /** Queued, then abandoned: the cancel is sent and its reply not read yet. */
  | 'cancelling'
  /** The grant message came while the cancel was out: the cancel's reply will be `not-waiting`. */
  | 'cancelling-granted'

export type LockEvent =
  /** The request's reply: granted at once, refused (upgrade), busy (try), or queued. */
  | 'reply-granted'
  | 'reply-refused'
  | 'reply-busy'
  | 'reply-queued'
  /** A grant stream message. */
  | 'grant'
  /** The runtime abandons the wait (a deadlock broken here). */
  | 'abandon'
  /** The cancel's reply. */
  | 'cancelled'
  | 'not-waiting'

/** `done`: the request is over and its slot free. */
export type LockNext = LockPhase | 'done'

/**
 * Every legal move. An event missing from a phase's row is a protocol violation; an abandon is
 * legal in every phase (it races the grant) and a no-op where it has nothing left to stop.
 */
const MOVES: Readonly<Record<LockPhase, Readonly<Partial<Record<LockEvent, LockNext>>>>> = {
  sent: {'reply-granted': 'done', 'reply-refused': 'done', 'reply-busy': 'done', 'reply-queued': 'queued', grant: 'granted-early', abandon: 'sent-abandoned'},
  'sent-abandoned': {'reply-granted': 'done', 'reply-refused': 'done', 'reply-busy': 'done', 'reply-queued': 'cancelling', grant: 'granted-early-abandoned', abandon: 'sent-abandoned'},
  'granted-early': {'reply-queued': 'done', abandon: 'granted-early'},
  'granted-early-abandoned': {'reply-queued': 'done', abandon: 'granted-early-abandoned'},
  queued: {grant: 'done', abandon: 'cancelling'},
  cancelling: {grant: 'cancelling-granted', cancelled: 'done', 'not-waiting': 'queued', abandon: 'cancelling'},
  'cancelling-granted': {'not-waiting': 'done', abandon: 'cancelling-granted'},
}

/** The phase after `event`, or undefined if `event` cannot happen in `phase`. */
export function lockMove(phase: LockPhase, event: LockEvent): LockNext | undefined {
  return MOVES[phase][event]
}

/** The grant has been applied (the unit holds the mode asked for) but the request is not over. */
export function isGranted(phase: LockPhase): boolean {
  return phase === 'granted-early' || phase === 'granted-early-abandoned' || phase === 'cancelling-granted'
}

/** How snapshots describe a phase (run checkers' reports and the live view read these words). */
export const PHASE_TEXT: Readonly<Record<LockPhase, string>> = {
  sent: '',
  'sent-abandoned': ' cancel wanted',
  'granted-early': ' granted',
  'granted-early-abandoned': ' granted cancel wanted',
  queued: ' queued',
  cancelling: ' queued cancel sent',
  'cancelling-granted': ' queued granted cancel sent',
}
