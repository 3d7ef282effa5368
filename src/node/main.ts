// Entry point of a node process spawned by the orchestrator:
//   node main.js --redis URL --run RUN --id K [--parent-watch]
// With --parent-watch the node exits as soon as its parent goes away (stdin closes), so a
// crashed or killed orchestrator never leaves node processes behind.
import {parseArgs} from 'node:util'
import {runNode} from './node.js'
import {LeaseLostError} from './lease.js'
import {NODE_EXIT} from '../records/exit-codes.js'

const {values} = parseArgs({
  options: {
    redis: {type: 'string'},
    run: {type: 'string'},
    id: {type: 'string'},
    incarnation: {type: 'string', default: '0'},
    'parent-watch': {type: 'boolean', default: false},
  },
})

if (!values.redis || !values.run || values.id === undefined) {
  process.stderr.write('usage: main.js --redis URL --run RUN --id K [--parent-watch]\n')
  process.exit(NODE_EXIT.usage)
}

if (values['parent-watch']) {
  process.stdin.resume()
  process.stdin.on('end', () => process.exit(NODE_EXIT.crashed))
  process.stdin.on('error', () => process.exit(NODE_EXIT.crashed))
}

try {
  await runNode({redisUrl: values.redis, runId: values.run, node: Number(values.id), incarnation: Number(values.incarnation)})
  process.exit(NODE_EXIT.ok)
} catch (error) {
  if (error instanceof LeaseLostError) {
    process.stderr.write(`node ${values.id}: ${error.message}; exiting to rejoin as a new incarnation\n`)
    process.exit(NODE_EXIT.leaseLost)
  }
  process.stderr.write(`node ${values.id}: ${(error as Error).stack ?? String(error)}\n`)
  process.exit(NODE_EXIT.crashed)
}
