// What the simulator keeps per node: its core, its links (FIFO queues) and where its program is.
import type {CopyPlan, CopyResult} from '../protocol/copy-plan.js'
import type {NodeCore} from '../protocol/node-core.js'
import type {HeldMode, ManagerRequest, NodeInput, NodeMessage, PageBytes, PageRef, UnitId} from '../protocol/types.js'
import type {RankedPart} from './state-key.js'

export type ReplyInput = Extract<NodeInput, {type: 'reply'}>

/** One step of an op as the application thread performs it. */
export type Step =
  | {readonly k: 'access'; readonly page: PageRef; readonly kind: 'read' | 'write'; readonly data: PageBytes | null}
  | {readonly k: 'copy-read'; readonly page: PageRef}
  | {readonly k: 'copy-write'; readonly page: PageRef}
  /** A retrying copy faults its source in with nothing pinned: a read, its bytes unused. */
  | {readonly k: 'fault-in'; readonly page: PageRef}
  | {readonly k: 'pin'; readonly unit: UnitId; readonly mode: HeldMode; readonly page: PageRef; readonly try: boolean}
  | {readonly k: 'unpin'; readonly unit: UnitId}
  | {readonly k: 'sync-file'; readonly file: string}

export interface SimNode {
  core: NodeCore
  /** Restarts after kills: the core's process id is node + inc × nodes (src/node/node.ts processId). */
  inc: number
  /** Paused past its lease and declared dead: its daemon still reacts, nothing of it completes. */
  zombie: boolean
  /** Cut off from the manager (--partitions): its links deliver nothing, its program still runs. */
  cut: boolean
  /** node -> manager (one connection: the manager handles them in order). */
  requests: ManagerRequest[]
  /** manager -> node replies, and the node's message stream: two links, no order between them. */
  replies: ReplyInput[]
  stream: NodeMessage[]
  /** read-disk effects the runtime has not answered yet. */
  disk: PageRef[]
  /** Next op of the program, and the steps left of the op being run (arrays never mutated). */
  pc: number
  steps: readonly Step[]
  si: number
  /** The request id whose completion the application waits for. */
  awaiting: number | null
  /** A copy's bytes between its read of the source and its write of the destination. */
  buf: PageBytes | null
  /** Times of the `wake` effects not yet answered with a `timer` input. */
  wakes: number[]
  /** The copy being played: the worker's own plan, one action per step (steps holds the current one). */
  plan: CopyPlan | null
  /** Result of the plan's previous action, for its next (null before the first). */
  result: CopyResult | null
  /** A wait of the copy was abandoned (a deadlock broken): its next step unpins everything and ends it. */
  aborting: boolean
  /** This node's key text with its slots and counters marked, and its hashes by naming and ranks (state-key.ts); dropped whenever the node changes. */
  keys: NodeKeys | null
}

export interface NodeKeys extends RankedPart {
  readonly template: string
  readonly hashes: Map<string, {readonly a: number; readonly b: number}>
}
