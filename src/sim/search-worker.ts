// One thread of a parallel exhaustive search (src/sim/parallel.ts): runs the depth-first engine
// on the items it is handed, gives work away when another thread is hungry, and reports.
import {parentPort, workerData} from 'node:worker_threads'
import {CTL, STAT, type FromWorker, type ToWorker, type WorkerInit} from './parallel.js'
import {protocolFor} from './protocol.js'
import {DepthFirst, keyFunction, newStats} from './search.js'
import {VisitedSet} from './visited.js'

const init = workerData as WorkerInit
const port = parentPort
if (port === null) throw new Error('search-worker runs as a worker thread')
const ctl = new Int32Array(init.ctl)
const stats = new Float64Array(init.stats)
const at = init.index * STAT.size
const counters = newStats()
const {keyOf} = keyFunction(init.model, init.symmetry)
const visited = VisitedSet.attach(init.table)
const dfs = new DepthFirst(init.model, protocolFor(init.model.variant), keyOf, visited, init.depth, counters)
const post = (m: FromWorker): void => port.postMessage(m)

/** Between chunks of search: stop when told, publish figures, feed a hungry thread. */
function check(): boolean {
  if (Atomics.load(ctl, CTL.stop) !== 0) return true
  stats[at + STAT.transitions] = counters.transitions
  stats[at + STAT.depth] = dfs.depth
  stats[at + STAT.stack] = dfs.stackSize
  const hungry = Atomics.load(ctl, CTL.hungry)
  if (hungry > 0 && Atomics.compareExchange(ctl, CTL.hungry, hungry, hungry - 1) === hungry) {
    const item = dfs.donate()
    if (item === null) Atomics.add(ctl, CTL.hungry, 1)
    else post({type: 'work', item})
  }
  return false
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'finish') {
    // The table's count then holds every insert, for the main thread's distinct figure.
    visited.flush()
    post({type: 'stats', stats: {...counters}})
    return
  }
  try {
    dfs.start(m.item)
    const outcome = dfs.run(check)
    stats[at + STAT.stack] = 0
    if (outcome === 'done') post({type: 'idle'})
    else if (outcome === 'stopped') post({type: 'stopped'})
    else post({type: 'found', found: outcome})
  } catch (e) {
    post({type: 'error', message: (e as Error).message, name: (e as Error).name})
  }
})
