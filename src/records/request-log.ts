// requests.jsonl: what each node said to the manager and heard back, for the timeline
// (`cmm report timeline`): requests sent and their replies (a request waits from one to the
// other, or to its grant in locks.jsonl), callbacks received and answered, write-backs with the
// pages they carried (a `stale` reply to one is a write-back refused by fencing). The checkers do
// not read it; locks.jsonl and trace.jsonl stay the evidence.
import type {ManagerReply, ManagerRequest} from '../protocol/types.js'

export type RequestLogEntry =
  /** `mode`: asked for (acquire: the mode; upgrade: EX; demote: the mode kept). `pages`: dirty pages carried. */
  | {readonly time: number; readonly node: number; readonly unit: string; readonly event: 'request'; readonly request: ManagerRequest['type']; readonly mode?: 'UN' | 'SH' | 'EX'; readonly pages?: number}
  /** `pages`: accepted (demoted, written) or refused by fencing (stale). */
  | {readonly time: number; readonly node: number; readonly unit: string; readonly event: 'reply'; readonly request: ManagerRequest['type']; readonly reply: ManagerReply['type']; readonly pages?: number}
  | {readonly time: number; readonly node: number; readonly unit: string; readonly event: 'callback'; readonly kind: 'release' | 'downgrade'; readonly seq: number}
  /** The lock daemon answered a callback (its demote is the `request` just before). */
  | {readonly time: number; readonly node: number; readonly unit: string; readonly event: 'answered'; readonly kind: 'release' | 'downgrade'; readonly pages: number}

/** What a runtime records (without node and time, which the runtime adds). */
export function requestRecord(request: ManagerRequest): {unit: string; event: 'request'; request: ManagerRequest['type']; mode?: 'UN' | 'SH' | 'EX'; pages?: number} {
  const base = {unit: request.unit, event: 'request' as const, request: request.type}
  switch (request.type) {
    case 'acquire':
      return {...base, mode: request.mode}
    case 'upgrade':
      return {...base, mode: 'EX'}
    case 'demote':
      return {...base, mode: request.to, pages: request.writeback.length}
    case 'writeback':
      return {...base, pages: request.writeback.length}
    default:
      return base
  }
}

export function replyPages(reply: ManagerReply): number | undefined {
  if (reply.type === 'demoted' || reply.type === 'written') return reply.accepted
  if (reply.type === 'stale') return reply.rejected
  return undefined
}
