// The copy plans step by step: which locks each strategy takes, in which order, and how retry
// lets go and starts over.
import {describe, expect, it} from 'vitest'
import {CopyPlan, RETRY_LIMIT, type CopyAction, type CopyResult} from '../../src/protocol/copy-plan.js'

const PAGE = {granularity: 'page', states: 'shared'} as const
const OK: CopyResult = {type: 'ok'}
const BUSY: CopyResult = {type: 'busy'}
const b2a = {from: {file: 'b', page: 0}, to: {file: 'a', page: 0}, pages: 2}

/** Every action until done, answering `ok` except where `answer` says otherwise. */
function run(plan: CopyPlan, answer: (a: CopyAction, i: number) => CopyResult = () => OK): string[] {
  const out: string[] = []
  let a = plan.next(null)
  for (let i = 0; a.type !== 'done'; i++) {
    out.push(show(a))
    a = plan.next(answer(a, i))
    if (i > 10_000) throw new Error('plan does not end')
  }
  out.push(show(a))
  return out
}

function show(a: CopyAction): string {
  switch (a.type) {
    case 'pin':
      return `pin ${a.unit} ${a.mode}${a.try ? ' try' : ''}`
    case 'unpin':
      return `unpin ${a.unit}`
    case 'read':
    case 'write':
    case 'fault-in':
      return `${a.type} ${a.page.file}/${a.page.page}`
    case 'backoff':
      return 'backoff'
    case 'done':
      return `done retries=${a.retries}${a.fellBack ? ' fell back' : ''}`
  }
}

describe('copy plans', () => {
  it('ordered: every lock in (file, page) order before the first byte, released in reverse', () => {
    expect(run(new CopyPlan(b2a, 'ordered', PAGE))).toEqual([
      'pin a/0 EX', 'pin a/1 EX', 'pin b/0 SH', 'pin b/1 SH',
      'read b/0', 'write a/0', 'read b/1', 'write a/1',
      'unpin b/1', 'unpin b/0', 'unpin a/1', 'unpin a/0', 'done retries=0',
    ])
  })

  it('naive: only the destination is pinned; the source is faulted in by the reads, inside the copy', () => {
    expect(run(new CopyPlan(b2a, 'naive', PAGE))).toEqual([
      'pin a/0 EX', 'pin a/1 EX', 'read b/0', 'write a/0', 'read b/1', 'write a/1', 'unpin a/1', 'unpin a/0', 'done retries=0',
    ])
  })

  it('retry: destination, then try the source; busy lets go of everything, backs off, faults the source in, starts over', () => {
    let seen = 0
    const steps = run(new CopyPlan(b2a, 'retry', PAGE), (a) => (a.type === 'pin' && a.try && a.unit === 'b/1' && !seen++ ? BUSY : OK))
    expect(steps).toEqual([
      'pin a/0 EX', 'pin a/1 EX', 'pin b/0 SH try', 'pin b/1 SH try',
      'unpin b/0', 'unpin a/1', 'unpin a/0', 'backoff', 'fault-in b/0', 'fault-in b/1',
      'pin a/0 EX', 'pin a/1 EX', 'pin b/0 SH try', 'pin b/1 SH try',
      'read b/0', 'write a/0', 'read b/1', 'write a/1',
      'unpin b/1', 'unpin b/0', 'unpin a/1', 'unpin a/0', 'done retries=1',
    ])
  })

  it('retry: after the retry bound the copy takes the ordered path, so it always ends', () => {
    const plan = new CopyPlan(b2a, 'retry', PAGE)
    const steps = run(plan, (a) => (a.type === 'pin' && a.try ? BUSY : OK))
    expect(steps.at(-1)).toBe(`done retries=${RETRY_LIMIT} fell back`)
    expect(steps.slice(-13, -9)).toEqual(['pin a/0 EX', 'pin a/1 EX', 'pin b/0 SH', 'pin b/1 SH'])
    expect(plan.pinned).toEqual([])
  })

  it('whole-file locks: one unit per file; exclusive-only runs read the source under EX', () => {
    const plan = new CopyPlan({from: {file: 'b', page: 0}, to: {file: 'a', page: 2}, pages: 2}, 'ordered', {granularity: 'file', states: 'exclusive'})
    expect(run(plan).slice(0, 2)).toEqual(['pin a EX', 'pin b EX'])
  })

  it('a lower retry limit takes the ordered path sooner (the model checker uses it)', () => {
    const steps = run(new CopyPlan(b2a, 'retry', PAGE, () => 0.5, 2), (a) => (a.type === 'pin' && a.try ? BUSY : OK))
    expect(steps.at(-1)).toBe('done retries=2 fell back')
    expect(() => new CopyPlan(b2a, 'retry', PAGE, () => 0.5, 0)).toThrow(/retry limit 0/)
  })

  it('clone: a copy has the same state key, goes on the same way, and leaves the original alone', () => {
    const busyOnce = (): ((a: CopyAction) => CopyResult) => {
      let seen = 0
      return (a) => (a.type === 'pin' && a.try && !seen++ ? BUSY : OK)
    }
    for (const strategy of ['naive', 'ordered', 'retry'] as const) {
      const plan = new CopyPlan(b2a, strategy, PAGE)
      const answer = busyOnce()
      let a = plan.next(null)
      for (let i = 0; i < 6; i++) a = plan.next(answer(a))
      const key = plan.stateKey()
      const copy = plan.clone()
      expect(copy.stateKey()).toBe(key)
      expect(copy.pinned).toEqual(plan.pinned)
      const rest = (p: CopyPlan): string[] => {
        const out: string[] = []
        const more = busyOnce()
        for (let b = p.next(more(a)); ; b = p.next(more(b))) {
          out.push(show(b))
          if (b.type === 'done') return out
        }
      }
      const fromCopy = rest(copy)
      expect(plan.stateKey()).toBe(key)
      expect(rest(plan)).toEqual(fromCopy)
      expect(copy.stateKey()).not.toBe(key)
    }
  })

  it('knows what it holds (for an abandoned copy) and refuses results that make no sense', () => {
    const plan = new CopyPlan(b2a, 'ordered', PAGE)
    expect(() => plan.next(OK)).toThrow(/before the first action/)
    plan.next(null)
    plan.next(OK)
    expect(plan.pinned).toEqual(['a/0'])
    expect(() => plan.next(BUSY)).toThrow(/busy result for pin/)
    expect(() => new CopyPlan({...b2a, pages: 0}, 'naive', PAGE)).toThrow(/0 pages/)
  })
})
