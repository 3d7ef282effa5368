// The copy plans driven, with no I/O at all, against real NodeCores and the manager model, under
// seeded random interleavings of every message: naive copies in opposite directions deadlock and
// the manager's wait-for graph catches every such cycle (the victim abandons, the run goes on);
// ordered and retry copies never form a cycle and always finish. The same plan objects are what
// the worker drives against Redis.
import {describe, expect, it} from 'vitest'
import {CopyPlan, type CopyAction, type CopyResult, type CopyStrategy} from '../../src/protocol/copy-plan.js'
import {createManager, decide, diskPage, type ManagerModel} from '../../src/protocol/manager.js'
import {NodeCore} from '../../src/protocol/node-core.js'
import type {ManagerRequest, NodeEffect, NodeInput, NodeMessage, ProtocolSettings} from '../../src/protocol/types.js'
import {replyInput} from '../../src/protocol/types.js'
import {createRng} from '../../src/workload/random.js'

const SETTINGS: ProtocolSettings = {granularity: 'page', states: 'shared', downgrade: 'unmap', holdTimeUs: 0, pageSize: 4}
const COPIES = 6

interface SimNode {
  readonly id: number
  readonly core: NodeCore
  readonly requests: ManagerRequest[]
  readonly replies: NodeInput[]
  readonly stream: NodeMessage[]
  plan: CopyPlan | null
  action: CopyAction | null
  /** The result of the action in progress once the core finished it. */
  result: CopyResult | 'failed' | null
  copies: number
  failed: number
  nextId: number
}

interface Outcome {
  deadlocks: number
  failed: number
  finished: boolean
}

function simulate(strategy: CopyStrategy, seed: number, nodes = 2, breakCycles = true): Outcome {
  const rng = createRng(seed)
  const rand = () => rng.nextFloat()
  const manager: ManagerModel = createManager()
  const files = ['a', 'b', 'c'].slice(0, nodes)
  const sims: SimNode[] = files.map((_, id) => ({
    id, core: new NodeCore({...SETTINGS, node: id}), requests: [], replies: [], stream: [],
    plan: null, action: null, result: null, copies: 0, failed: 0, nextId: 1,
  }))
  let now = 0
  let deadlocks = 0

  const apply = (n: SimNode, effects: NodeEffect[]) => {
    for (const e of effects) {
      if (e.type === 'send') n.requests.push(e.request)
      else if (e.type === 'pinned' || e.type === 'access-done') n.result = {type: 'ok'}
      else if (e.type === 'pin-busy') n.result = {type: 'busy'}
      else if (e.type === 'failed') n.result = 'failed'
      else if (e.type === 'read-disk') n.replies.push({type: 'disk-read', page: diskPage(manager, e.page)})
      else if (e.type === 'deadlock') {
        // Every node of the cycle hears of it; count it once, at the cycle's first node.
        if (e.cycle[0]?.node === n.id) deadlocks++
        // The policy `report`: the victim abandons its wait.
        if (breakCycles && e.victim === n.id) n.replies.push({type: 'abandon', unit: e.unit})
      }
    }
  }
  const feed = (n: SimNode, input: NodeInput) => {
    apply(n, n.core.step(++now, input))
    n.core.assertInvariants()
  }
  // Starts the plan's current action on the core (pins, accesses); unpin/backoff finish at once.
  const start = (n: SimNode) => {
    const a = n.action
    if (a === null) return
    n.result = null
    switch (a.type) {
      case 'pin':
        feed(n, {type: 'pin', id: n.nextId++, unit: a.unit, mode: a.mode, page: a.page, try: a.try})
        return
      case 'unpin':
        feed(n, {type: 'unpin', unit: a.unit})
        n.result = {type: 'ok'}
        return
      case 'read':
      case 'fault-in':
        feed(n, {type: 'access', id: n.nextId++, page: a.page, kind: 'read', data: null})
        return
      case 'write':
        feed(n, {type: 'access', id: n.nextId++, page: a.page, kind: 'write', data: new Uint8Array(SETTINGS.pageSize).fill(n.id + 1)})
        return
      case 'backoff':
        n.result = {type: 'ok'}
        return
      case 'done':
        return
    }
  }
  const advance = (n: SimNode) => {
    if (n.result === 'failed') {
      // The copy's wait was abandoned (deadlock broken): let go of its pins, start the next copy.
      for (const unit of [...(n.plan?.pinned ?? [])].reverse()) feed(n, {type: 'unpin', unit})
      n.failed++
      n.copies++
      n.plan = null
      n.action = null
      n.result = null
    } else if (n.plan !== null && n.action !== null && n.result !== null) {
      n.action = n.plan.next(n.result)
      if (n.action.type === 'done') {
        n.copies++
        n.plan = null
        n.action = null
      } else start(n)
      return
    }
    if (n.plan === null && n.copies < COPIES) {
      const from = files[n.id]!
      const to = files[(n.id + 1) % files.length]!
      n.plan = new CopyPlan({from: {file: from, page: 0}, to: {file: to, page: 0}, pages: 2}, strategy, SETTINGS, rand)
      n.action = n.plan.next(null)
      start(n)
    }
  }

  for (let step = 0; step < 50_000; step++) {
    const acts: (() => void)[] = []
    for (const n of sims) {
      if ((n.plan === null && n.copies < COPIES) || n.result !== null) acts.push(() => advance(n))
      const req = n.requests[0]
      if (req !== undefined)
        acts.push(() => {
          n.requests.shift()
          const d = decide(manager, req)
          n.replies.push(replyInput(req.unit, req.type, d.reply))
          for (const o of d.out) sims[o.to]!.stream.push(o.message)
        })
      if (n.replies.length > 0) acts.push(() => feed(n, n.replies.shift()!))
      if (n.stream.length > 0) acts.push(() => feed(n, {type: 'message', message: n.stream.shift()!}))
    }
    if (acts.length === 0) break
    acts[Math.floor(rand() * acts.length)]!()
  }
  const finished = sims.every((n) => n.copies === COPIES && n.plan === null)
  if (!finished && process.env.SIM_DEBUG) {
    console.log(JSON.stringify({deadlocks, graph: [...manager.graph.waits.values(), ...manager.graph.pinned.values()], nodes: sims.map((n) => ({id: n.id, copies: n.copies, action: n.action, result: n.result, snap: n.core.snapshot()}))}, (_k, v: unknown) => (v instanceof Uint8Array ? undefined : v), 1))
  }
  return {deadlocks, failed: sims.reduce((s, n) => s + n.failed, 0), finished}
}

describe('copy plans in a deterministic simulation', () => {
  const SEEDS = 25

  it('naive: opposite copies deadlock, every cycle is detected and broken, every run finishes', () => {
    let deadlocks = 0
    for (let seed = 1; seed <= SEEDS; seed++) {
      const r = simulate('naive', seed)
      expect(r.finished, `seed ${seed}`).toBe(true)
      expect(r.failed, `seed ${seed}: one failed op per deadlock`).toBe(r.deadlocks)
      deadlocks += r.deadlocks
    }
    expect(deadlocks).toBeGreaterThan(0)
  })

  it('naive with nobody breaking the cycles hangs (so the simulation would see a missed cycle)', () => {
    const outcomes = Array.from({length: SEEDS}, (_, i) => simulate('naive', i + 1, 2, false))
    expect(outcomes.some((r) => !r.finished && r.deadlocks > 0)).toBe(true)
  })

  it('naive: a ring of three deadlocks too', () => {
    let deadlocks = 0
    for (let seed = 1; seed <= SEEDS; seed++) {
      const r = simulate('naive', seed, 3)
      expect(r.finished, `seed ${seed}`).toBe(true)
      deadlocks += r.deadlocks
    }
    expect(deadlocks).toBeGreaterThan(0)
  })

  for (const strategy of ['ordered', 'retry'] as const) {
    it(`${strategy}: never a cycle, every copy completes (two nodes and a ring of three)`, () => {
      for (let seed = 1; seed <= SEEDS; seed++) {
        for (const nodes of [2, 3]) {
          const r = simulate(strategy, seed, nodes)
          expect(r, `seed ${seed}, ${nodes} nodes`).toEqual({deadlocks: 0, failed: 0, finished: true})
        }
      }
    })
  }
})
