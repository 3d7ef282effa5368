import {Flags} from '@oclif/core'
import {redisUrlFlag} from '../src/cli/flags.js'
import {resultsFlag} from '../src/cli/results-flag.js'
import {CmmCommand} from '../src/cli/command.js'
import {fail, isExit} from '../src/cli/fail.js'
import {EXIT} from '../src/records/exit-codes.js'
import {UsageError} from '../src/protocol/errors.js'
import {redactRedisUrl, REDIS_URL_ENV} from '../src/util/redis-url.js'
import {clean, type CleanReport} from '../src/cluster/clean.js'
import {RUN_KEYS_TTL_S} from '../src/redis/heartbeat.js'

export default class Clean extends CmmCommand {
  static override summary = 'Remove what runs whose orchestrator died left behind (Redis keys, live.json)'
  static override description = `An orchestrator killed without cleaning up (SIGKILL, a crashed host) leaves, on a shared Redis, its cmm:{RUN}:* keys and its cmm:live-runs entry, and in the results folder a live.json. A live run keeps a heartbeat key (cmm:{RUN}:alive) fresh and gives its keys a TTL of ${RUN_KEYS_TTL_S} s that it keeps extending, so most of what an abandoned run leaves expires on its own; this command removes the rest now.

A run is abandoned when its heartbeat is gone; a live.json is stale when its orchestrator process is not running. Live runs and keys that are not cmm's are never touched. Run it with --dry-run first to see what it would remove.

Exit status: 0 done (or nothing to do), 2 bad flags, 4 Redis unreachable.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --redis redis://10.0.0.5:6379 --dry-run',
    '<%= config.bin %> <%= command.id %> --redis redis://10.0.0.5:6379',
    '<%= config.bin %> <%= command.id %> --results /tmp/runs --dry-run',
  ]

  static override flags = {
    redis: redisUrlFlag({description: `the shared Redis to clean (redis://[:password@]host:port or a Unix socket path); also read from ${REDIS_URL_ENV}. Without it only stale live.json files are cleaned`}),
    results: resultsFlag('Results folder whose stale live.json files are removed.'),
    'dry-run': Flags.boolean({description: 'list what would be removed, remove nothing', default: false}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Clean)
    let redis = null
    try {
      if (flags.redis !== undefined) {
        const {connectRedis, ensureReachable} = await import('../src/util/redis-client.js')
        redis = connectRedis(flags.redis, 'cmm-clean')
        await ensureReachable(redis, flags.redis)
      }
      const report = await clean(redis, flags.results, flags['dry-run'])
      this.log(reportText(report, flags.redis === undefined ? null : redactRedisUrl(flags.redis), flags.results))
    } catch (error) {
      if (isExit(error)) throw error
      if (error instanceof UsageError) fail(this, error.message, EXIT.badInput)
      fail(this, `clean: ${(error as Error).message}`, EXIT.runFailed)
    } finally {
      redis?.disconnect()
    }
  }
}

function reportText(r: CleanReport, redis: string | null, out: string): string {
  const verb = r.removed ? 'removed' : 'would remove'
  const lines: string[] = []
  if (redis !== null) {
    if (r.runs.length === 0) lines.push(`${redis}: no abandoned runs`)
    for (const run of r.runs) lines.push(`${verb}: run ${run.runId}: ${run.keys} keys${run.listedLive ? ' and its cmm:live-runs entry' : ''} (no heartbeat: its orchestrator is gone)`)
  }
  if (r.staleLiveFiles.length === 0) lines.push(`${out}: no stale live.json`)
  for (const file of r.staleLiveFiles) lines.push(`${verb}: ${file} (its orchestrator is not running)`)
  if (!r.removed && (r.runs.length > 0 || r.staleLiveFiles.length > 0)) lines.push('(dry run: nothing removed; run again without --dry-run)')
  return lines.join('\n')
}
