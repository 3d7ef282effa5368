// Plain-language text of what the simulator does, for printed traces (`--replay`, a violation's
// shortest trace). Only called when a state describes its steps: the search never pays for it.
import {stampOf} from '../protocol/node-core-state.js'
import {pageKey, type ManagerRequest, type NodeMessage, type PageBytes} from '../protocol/types.js'
import {describeOp} from './program.js'
import type {ReplyInput, SimNode} from './sim-node.js'
import {kindOf, nodeOf, type Action, type ModelConfig} from './types.js'

export function stampText(data: PageBytes | null): string {
  return data === null ? 'zeros' : (stampOf(data) ?? 'zeros')
}

export function requestText(r: ManagerRequest): string {
  switch (r.type) {
    case 'acquire':
      return `acquire ${r.unit} ${r.mode}`
    case 'upgrade':
      return `upgrade ${r.unit} seq ${r.seq}`
    case 'demote':
      return `demote ${r.unit} seq ${r.seq} to ${r.to} (gen ${r.generation}, ${r.writeback.length} page${r.writeback.length === 1 ? '' : 's'}${r.writeback.map((w) => ` ${pageKey(w.page)}=${stampText(w.data)}`).join('')})`
    case 'writeback':
      return `writeback ${r.unit} seq ${r.seq} (gen ${r.generation}, ${r.writeback.length} pages)`
    case 'cancel':
      return `cancel ${r.unit}`
    case 'defer':
      return `defer ${r.unit} seq ${r.seq} (a pin holds the callback)`
  }
}

export function replyText(r: ReplyInput): string {
  const x = r.reply
  const extra = x.type === 'granted' ? ` ${x.mode} seq ${x.seq} gen ${x.generation}` : x.type === 'refused' ? ` (${x.reason})` : ''
  return `${x.type}${extra} to its ${r.request} ${r.unit}`
}

export function messageText(m: NodeMessage): string {
  if (m.type === 'callback') return `${m.kind} callback ${m.unit} seq ${m.seq}`
  if (m.type === 'deadlock') return `deadlock on ${m.unit} (cycle ${m.id}, victim node ${m.victim})`
  return `grant ${m.unit} ${m.mode} seq ${m.seq} gen ${m.generation}${m.upgrade ? ' (upgrade)' : ''}`
}

/** What the manager's handling of a request did, as a trace line. */
export function handledText(who: string, req: ManagerRequest, reply: {type: string; reason?: string}, sent: readonly {readonly to: number; readonly message: NodeMessage}[]): string {
  const out = sent.map((o) => `; sends node ${o.to} ${messageText(o.message)}`).join('')
  return `manager handles ${who}'s ${requestText(req)} -> ${reply.type}${reply.type === 'refused' ? ` (${reply.reason})` : ''}${out}`
}

/** A plain description of an action (before it ran), for the step that broke an invariant. */
export function describeAction(model: ModelConfig, nodes: readonly SimNode[], a: Action): string {
  const i = nodeOf(a)
  const n = nodes[i]
  switch (kindOf(a)) {
    case 'op': {
      const step = n?.steps[(n?.si ?? 1) - 1]
      if (n === undefined || step === undefined) return `node ${i} runs its next op`
      const op = model.programs[i]?.[n.pc - 1]
      const started = n.si === 1 && op !== undefined ? `starts op ${n.pc - 1}: ${describeOp(op)}, ` : ''
      return `node ${i} ${started}runs ${step.k}${'page' in step ? ` ${pageKey(step.page)}` : 'unit' in step ? ` ${step.unit}` : ''}`
    }
    case 'req':
      return `the manager handles node ${i}'s next request`
    case 'rep':
      return `node ${i} reads its next reply`
    case 'msg':
      return `node ${i} receives its next message`
    case 'disk':
      return `node ${i} gets its next disk read`
    case 'timer':
      return `node ${i}'s timer fires`
    case 'kill':
      return `node ${i} is killed`
    case 'pause':
      return `node ${i} pauses past its lease`
  }
}
