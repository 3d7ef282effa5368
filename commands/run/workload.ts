import {commandLine} from '../../src/util/shell-words.js'
import {Args, Flags} from '@oclif/core'
import {randomInt} from 'node:crypto'
import {CmmCommand} from '../../src/cli/command.js'
import {durationFlag, DURATION_HINT, integerFlag, redisUrlFlag} from '../../src/cli/flags.js'
import {resultsFlag} from '../../src/cli/results-flag.js'
import {loadWorkload} from '../../src/workload/parse.js'
import {applyOverrides} from '../../src/workload/overrides.js'
import {WorkloadError} from '../../src/workload/errors.js'
import type {Workload} from '../../src/workload/types.js'
import {fail, isExit} from '../../src/cli/fail.js'
import {EXIT, worseExit} from '../../src/records/exit-codes.js'
import {BREAK_VARIANTS, type BreakVariant} from '../../src/protocol/break.js'
import {COPY_STRATEGIES, type CopyStrategy} from '../../src/protocol/copy-plan.js'
import {DEADLOCK_POLICIES, type DeadlockPolicy} from '../../src/records/deadlocks.js'
import {liveViewCanDraw} from '../../src/tui/can-draw.js'
import {redisFlags, redisSetup, type RedisSetup} from '../../src/cli/redis-flags.js'
import {needsFaultProxy} from '../../src/chaos/run-proxies.js'
import {redisSentinelAvailable, SentinelNotInstalledError} from '../../src/redis/sentinel-available.js'
import {OutDirError, prepareOutDir} from '../../src/results/out-dir.js'
import {LIMITS} from '../../src/workload/keys.js'
import {PAGE_SIZE_HINT} from '../../src/workload/parse.js'
import {REDIS_URL_ENV} from '../../src/util/redis-url.js'
import {LEASE_TTL_RANGE_MS, MAX_WARMUP_US} from '../../src/records/run-meta.js'

export default class RunWorkload extends CmmCommand {
  static override summary = 'Run a workload script on a cluster of node processes and check the result'
  static override description = `Starts a private redis-server (or uses --redis), starts one process per node, plays the workload script, stops everything, writes RESULTS/RUN_ID/ (--results, default results: run.json, history.jsonl, trace.jsonl, locks.jsonl, requests.jsonl, events.jsonl, final.json, timeline.jsonl, histograms/, nodes/) and checks the run. Flags override the script's cluster: settings. With --copy-strategy a,b,... the workload runs once per copy strategy and the runs are compared.

Exit status: 0 every check valid, 1 a check found a violation, 2 bad input (script or flags), 3 a check could not decide (unknown), 4 the run failed (a node crashed, Redis missing, or Redis lost the run's state: the summary then says what was lost), 130 interrupted. A first Ctrl-C (or q in the live view) ends the run early but cleanly: no new op starts, the ops in flight finish, every node writes back and the shortened run is checked like a completed one; a second one quits at once.

Redis faults (docs/FAILOVER.md): with --redis-durability always a restart-redis chaos step (or \`cmm chaos restart-redis\`) restarts the server on its own data and the run goes on; with --redis-topology sentinel a failover-redis step kills the primary and Sentinel promotes the replica; --redis-wait 1 makes every decision wait for the replica before a node acts on it.

Checks: coherence (one writer or many readers per unit and page, from every node's lock holds and page-table changes), linearizable (every page is a register), no-lost-writes (after the run every node writes back and the disk must hold each page's last write), liveness (every page access within --liveness; a stuck run is stopped and reported with what each node waits for), deadlock (no wait-for cycle among the nodes' lock requests; see --on-deadlock).

--break NAME runs a deliberately broken protocol variant, to see the checks catch it:
${Object.entries(BREAK_VARIANTS).map(([name, what]) => `  ${name}: ${what}`).join('\n')}`

  static override examples = [
    '<%= config.bin %> <%= command.id %> workloads/pingpong.yaml',
    '<%= config.bin %> <%= command.id %> workloads/zipf-mix.yaml --nodes 4 --states exclusive --seed 7',
    '<%= config.bin %> <%= command.id %> workloads/redis-restarts.yaml --redis-durability always',
    '<%= config.bin %> <%= command.id %> workloads/redis-failover.yaml --redis-topology sentinel --lease-ttl 5s --redis-wait 1',
    '<%= config.bin %> <%= command.id %> workloads/upgrade-race.yaml --granularity file --downgrade write-protect --json',
    '<%= config.bin %> <%= command.id %> workloads/pingpong.yaml --redis redis://10.0.0.5:6379 --external-nodes',
    '<%= config.bin %> <%= command.id %> workloads/upgrade-race.yaml --states exclusive --break skip-writeback',
    '<%= config.bin %> <%= command.id %> workloads/copy-both-ways.yaml --copy-strategy naive,ordered,retry',
    '<%= config.bin %> <%= command.id %> workloads/copy-ring.yaml --copy-strategy naive --on-deadlock abort',
  ]

  static override args = {
    file: Args.string({description: 'workload script (YAML, see docs/WORKLOAD-FORMAT.md)', required: true}),
  }

  static override flags = {
    nodes: integerFlag({min: 1, max: LIMITS.maxNodes})({description: `Number of node processes, 1..${LIMITS.maxNodes} (overrides cluster.nodes).`}),
    granularity: Flags.option({description: 'Lock unit: a whole file or one page (overrides cluster.granularity).', options: ['file', 'page'] as const})(),
    states: Flags.option({description: 'shared: SH and EX; exclusive: every fault takes EX (overrides cluster.states).', options: ['shared', 'exclusive'] as const})(),
    downgrade: Flags.option({description: 'An EX->SH downgrade unmaps PTEs or write-protects them (overrides cluster.downgrade).', options: ['unmap', 'write-protect'] as const})(),
    'hold-time': durationFlag({description: `Minimum hold time after a grant before a callback is served, ${DURATION_HINT} (overrides cluster.holdTime).`}),
    'page-size': integerFlag()({description: `Page size in bytes, ${PAGE_SIZE_HINT} (overrides cluster.pageSize).`}),
    seed: integerFlag()({description: 'Seed for mixes (default: random, printed and saved in run.json).'}),
    results: resultsFlag('Folder that receives the run folder.'),
    redis: redisUrlFlag({description: `Use this Redis (redis://[:password@]host:port, rediss://..., or a Unix socket path /path/redis.sock) instead of starting a private redis-server; also read from ${REDIS_URL_ENV} (keeps a password out of the shell history and \`ps\`). A password is never shown or stored.`}),
    'external-nodes': Flags.boolean({description: 'Start no node processes: wait for `cmm node --run RUN --id K` to join (use with --redis).', default: false}),
    'lease-ttl': durationFlag({description: `Node lease: a node silent this long is declared dead and its locks purged; ${DURATION_HINT}, 50ms..1h.`, default: 2_000_000, defaultHelp: async () => '2s'}),
    warmup: durationFlag({description: `Warm-up: ops and page accesses that start this soon after the workload's start are played, recorded in the history and checked, but kept out of the latency histograms (a node's first seconds mostly time V8 compiling cmm's own code); ${DURATION_HINT}, up to 1h. run.json counts them (counters.untimedOps, untimedAccesses).`, default: 0, defaultHelp: async () => '0s'}),
    liveness: durationFlag({description: `Liveness bound: every page access (a copy's pages one by one) must complete within it, and a run where no node completes an op for this long is stopped as stuck; ${DURATION_HINT}, at least 1ms.`, default: 10_000_000, defaultHelp: async () => '10s'}),
    break: Flags.option({description: 'Run a deliberately broken protocol variant (the checks must report it; each is described under DESCRIPTION).', options: Object.keys(BREAK_VARIANTS) as BreakVariant[]})(),
    tui: Flags.boolean({description: 'Live terminal view when stdout is a TTY and CI is not set (--no-tui: plain progress lines).', default: true, allowNo: true}),
    json: Flags.boolean({description: 'Print one JSON summary (run.json) instead of text.', default: false}),
    'copy-strategy': Flags.string({description: `How copies take their locks (overrides cluster.copyStrategy); a comma list runs the workload once per strategy and compares them, e.g. naive,ordered,retry.`, helpValue: `${COPY_STRATEGIES.join('|')}[,...]`}),
    ...redisFlags,
    'network-faults': Flags.boolean({description: 'Put a fault proxy between every node and Redis, so `cmm chaos partition` and `cmm chaos delay` can cut off or slow a node (a partition: or delay: step in the script\'s chaos: does this by itself).', default: false}),
    'on-deadlock': Flags.option({description: 'When the lock manager finds a deadlock: report (break it, fail the youngest waiter\'s op, go on), abort (stop, exit 1), ignore (leave it to --liveness).', options: DEADLOCK_POLICIES, default: 'report' as DeadlockPolicy})(),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(RunWorkload)
    const leaseTtlMs = Math.round(flags['lease-ttl'] / 1000)
    // The nodes refuse a meta whose TTL is out of this range: past it the run would start, then fail (exit 4).
    if (leaseTtlMs < LEASE_TTL_RANGE_MS[0] || leaseTtlMs > LEASE_TTL_RANGE_MS[1]) fail(this, `--lease-ttl: expected 50ms..1h, found ${flags['lease-ttl'] / 1000}ms`, EXIT.badInput)
    if (flags.warmup > MAX_WARMUP_US) fail(this, '--warmup: at most 1h', EXIT.badInput)
    // 0 would declare the run stuck the moment it started and fail every page access: a typo, not a bound.
    if (flags.liveness < 1000) fail(this, `--liveness: expected at least 1ms, found ${flags.liveness / 1000}ms`, EXIT.badInput)
    const strategies = flags['copy-strategy'] === undefined ? [undefined] : parseStrategies(flags['copy-strategy'])
    if (strategies === null) fail(this, `--copy-strategy: expected ${COPY_STRATEGIES.join(', ')} or a comma list of them, found ${JSON.stringify(flags['copy-strategy'])}`, EXIT.badInput)
    if (flags['external-nodes'] && !flags.redis) fail(this, '--external-nodes needs --redis URL (nodes on other hosts must reach the same Redis)', EXIT.badInput)
    const redis = redisSetup(flags)
    if (typeof redis === 'string') fail(this, redis, EXIT.badInput)
    if (redis.redisTopology === 'sentinel' && !redisSentinelAvailable()) fail(this, new SentinelNotInstalledError().message, EXIT.runFailed)
    const overrides = {nodes: flags.nodes, granularity: flags.granularity, states: flags.states, downgrade: flags.downgrade, holdTimeUs: flags['hold-time'], pageSize: flags['page-size']}
    let workloads: Workload[]
    try {
      const loaded = loadWorkload(args.file)
      workloads = strategies.map((copyStrategy) => applyOverrides(loaded, {...overrides, copyStrategy}))
    } catch (error) {
      if (error instanceof WorkloadError) fail(this, error.message, EXIT.badInput)
      throw error
    }
    if ((workloads[0]!.chaos ?? []).some((step) => 'failoverRedis' in step) && redis.redisTopology !== 'sentinel') {
      fail(this, `${args.file}: a failover-redis chaos step needs --redis-topology sentinel (a replica to promote)`, EXIT.badInput)
    }
    if ((workloads[0]!.chaos ?? []).some((step) => 'restartRedis' in step) && flags.redis !== undefined) {
      fail(this, `${args.file}: a restart-redis chaos step needs the private Redis cmm starts (not --redis URL: cmm restarts only a server it started)`, EXIT.badInput)
    }
    if (redis.redisTopology === 'sentinel' && (flags['network-faults'] || needsFaultProxy(workloads[0]!))) {
      fail(this, '--redis-topology sentinel cannot take network faults (--network-faults, partition: or delay: steps): a fault proxy forwards to one server and cannot follow a failover', EXIT.badInput)
    }
    try {
      prepareOutDir(flags.results)
    } catch (error) {
      if (error instanceof OutDirError) fail(this, error.message, EXIT.badInput)
      throw error
    }
    const seed = flags.seed ?? randomInt(0, 2 ** 31 - 1)
    const worst = await this.runAll(workloads, {
      seed, outDir: flags.results, redisUrl: flags.redis, externalNodes: flags['external-nodes'], livenessMs: flags.liveness / 1000, warmupMs: flags.warmup / 1000,
      onDeadlock: flags['on-deadlock'], breakVariant: flags.break ?? null, leaseTtlMs, json: flags.json, tui: flags.tui, redis,
      networkFaults: flags['network-faults'],
      // The seed is always written out: a random one must be named for the line to reproduce the run.
      command: `${commandLine(process.argv.slice(2), ['--seed'])} --seed ${seed}`,
    })
    if (worst !== EXIT.ok) this.exit(worst)
  }

  /** Runs each workload (one per copy strategy) in turn, prints the summaries; the worst exit status. */
  private async runAll(workloads: readonly Workload[], o: RunSettings): Promise<number> {
    // Loaded only now, once the input is known to be good: ioredis, hdr-histogram-js and Ink
    // cost start-up time that a bad flag or script should not pay.
    const [{executeRun}, {eventLine, summaryText}, {mergedHistograms}, {comparisonText}, {RedisNotInstalledError}] = await Promise.all([
      import('../../src/cluster/execute.js'), import('../../src/report/run-text.js'), import('../../src/results/write.js'),
      import('../../src/report/compare-text.js'), import('../../src/redis/server.js'),
    ])
    // The live view only on a terminal (piped Ink output is full of erase sequences) outside CI.
    const live = o.tui && !o.json && liveViewCanDraw(process.stdout, process.env)
      ? await import('../../src/tui/live.js').then((tui) => tui.startLiveView({
        title: workloads[0]!.name, nodes: workloads[0]!.cluster.nodes, plannedMs: tui.plannedDurationMs(workloads[0]!), warmupMs: o.warmupMs, onQuit: () => onSignal(),
      }))
      : null
    const plain = o.json ? () => {} : live ? (line: string) => live.note(line) : (line: string) => this.log(line)
    const abort = new AbortController()
    let interrupts = 0
    const onSignal = () => {
      interrupts++
      if (interrupts === 1) {
        plain('interrupted: no new ops; finishing those in flight, writing back, then checking (Ctrl-C again to quit at once)')
        abort.abort()
      } else process.exit(EXIT.interrupted) // children watch our pipes and exit with us
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    try {
      const compared: {summary: Awaited<ReturnType<typeof executeRun>>['summary']; merged: ReturnType<typeof mergedHistograms>; dir: string}[] = []
      const texts: string[] = []
      let worst: number = EXIT.ok
      for (const workload of workloads) {
        if (workloads.length > 1) plain(`\n=== copy strategy ${workload.cluster.copyStrategy} ===`)
        const {run, summary, exitCode} = await executeRun({
          workload, seed: o.seed, outDir: o.outDir, redisUrl: o.redisUrl, externalNodes: o.externalNodes,
          signal: abort.signal, livenessMs: o.livenessMs, warmupMs: o.warmupMs, onDeadlock: o.onDeadlock, breakVariant: o.breakVariant, paused: live?.paused,
          leaseTtlMs: o.leaseTtlMs, chaos: workload.chaos, ...o.redis, networkFaults: o.networkFaults, command: o.command,
          onEvent: live ? live.onEvent : (e) => {
            const line = eventLine(e)
            if (line !== null) plain(line)
          },
        })
        const merged = mergedHistograms(run)
        compared.push({summary, merged, dir: run.dir})
        texts.push(summaryText(summary, run.dir, merged))
        worst = worseExit(worst, exitCode)
        if (exitCode === EXIT.interrupted) break
      }
      // The live view owns the terminal until it is stopped: summaries are printed after it.
      await live?.stop()
      if (workloads.length === 1 && o.json) this.log(JSON.stringify(compared[0]!.summary, null, 2))
      else if (!o.json) for (const text of texts) this.log('\n' + text)
      if (workloads.length > 1) {
        if (o.json) this.log(JSON.stringify({runs: compared.map((c) => c.summary)}, null, 2))
        else this.log('\ncopy strategies compared (same workload, same seed):\n' + comparisonText(compared))
      }
      return worst
    } catch (error) {
      await live?.stop()
      if (isExit(error)) throw error
      if (error instanceof RedisNotInstalledError) fail(this, error.message, EXIT.runFailed)
      fail(this, `run failed: ${(error as Error).message}`, EXIT.runFailed)
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
  }
}

interface RunSettings {
  readonly seed: number
  readonly outDir: string
  readonly redisUrl: string | undefined
  readonly externalNodes: boolean
  readonly livenessMs: number
  readonly warmupMs: number
  readonly onDeadlock: DeadlockPolicy
  readonly breakVariant: BreakVariant | null
  readonly leaseTtlMs: number
  readonly json: boolean
  readonly tui: boolean
  readonly redis: RedisSetup
  readonly networkFaults: boolean
  /** The command line that reproduces the run (run.json `command`). */
  readonly command: string
}

/** `naive,ordered,retry` -> the strategies in that order (no repeats), or null if one is unknown. */
function parseStrategies(text: string): CopyStrategy[] | null {
  const names = text.split(',').map((s) => s.trim())
  if (names.some((n) => !(COPY_STRATEGIES as readonly string[]).includes(n))) return null
  return [...new Set(names as CopyStrategy[])]
}
