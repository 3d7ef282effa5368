// Entry point of a node process spawned by the orchestrator:
//   CMM_REDIS_URL=URL node main.js --run RUN --id K [--parent-watch]   (or --redis URL)
// With --parent-watch the node exits as soon as its parent goes away (stdin closes), so a
// crashed or killed orchestrator never leaves node processes behind.
import {parseArgs} from 'node:util'
import {runNode} from './node.js'
import {LeaseLostError} from './lease.js'
import {NODE_EXIT} from '../records/exit-codes.js'
import {hideSecrets, redactRedisUrl, REDIS_URL_ENV} from '../util/redis-url.js'

const {values} = parseArgs({
  options: {
    redis: {type: 'string'},
    run: {type: 'string'},
    id: {type: 'string'},
    incarnation: {type: 'string', default: '0'},
    'parent-watch': {type: 'boolean', default: false},
  },
})

const redisUrl = values.redis ?? process.env[REDIS_URL_ENV]
if (!redisUrl || !values.run || values.id === undefined) {
  process.stderr.write(`usage: ${REDIS_URL_ENV}=URL main.js --run RUN --id K [--parent-watch]\n`)
  process.exit(NODE_EXIT.usage)
}
redactRedisUrl(redisUrl) // remembers the password, so that no message below shows it

if (values['parent-watch']) {
  process.stdin.resume()
  process.stdin.on('end', () => process.exit(NODE_EXIT.crashed))
  process.stdin.on('error', () => process.exit(NODE_EXIT.crashed))
}

try {
  await runNode({redisUrl, runId: values.run, node: Number(values.id), incarnation: Number(values.incarnation), watchOrchestrator: !values['parent-watch']})
  process.exit(NODE_EXIT.ok)
} catch (error) {
  if (error instanceof LeaseLostError) {
    process.stderr.write(`node ${values.id}: ${hideSecrets(error.message)}; exiting to rejoin as a new incarnation\n`)
    process.exit(NODE_EXIT.leaseLost)
  }
  process.stderr.write(`node ${values.id}: ${hideSecrets((error as Error).stack ?? String(error))}\n`)
  process.exit(NODE_EXIT.crashed)
}
