// Whether Debian's redis-sentinel is installed (`--redis-topology sentinel` needs it). Its own
// module: the command checks it before loading ioredis and the rest of the run machinery.
import {spawnSync} from 'node:child_process'

export class SentinelNotInstalledError extends Error {
  constructor() {
    super('redis-sentinel was not found on PATH (--redis-topology sentinel needs it). Install it (Debian/Ubuntu: `apt-get install redis-sentinel`).')
  }
}

export function redisSentinelAvailable(): boolean {
  return spawnSync('redis-sentinel', ['--version'], {stdio: 'ignore'}).status === 0
}
