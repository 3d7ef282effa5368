// What `cmm chaos restart-redis` and `cmm chaos failover-redis` share: the flags, the report and
// the exit statuses. Each command names its fault and how to send it (src/chaos/kill-node.ts).
import {Flags} from '@oclif/core'
import {CmmCommand} from './command.js'
import {UsageError} from '../protocol/errors.js'
import {EXIT} from '../records/exit-codes.js'
import {fail, isExit} from './fail.js'
import {runFlags} from './chaos.js'

export const REDIS_FAULT_EXIT_TEXT = 'Exit status: 0 request delivered, 2 no such live run (or it cannot take this fault), 4 Redis unreachable.'

export abstract class RedisFaultCommand extends CmmCommand {
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --run 20260101-120000-ab12',
  ]

  static override flags = {
    ...runFlags,
    json: Flags.boolean({description: 'Print what was sent as one JSON document.', default: false}),
  }

  /** The fault's name, and how to hand it to the live run (a bad run is a UsageError). */
  protected abstract readonly fault: string
  protected abstract send(o: {outDir: string; runId?: string; redisUrl?: string}): Promise<{run: {runId: string}}>

  async run(): Promise<void> {
    const {flags} = await this.parse(this.ctor as typeof RedisFaultCommand)
    try {
      const {run} = await this.send({outDir: flags.results, runId: flags.run, redisUrl: flags.redis})
      if (flags.json) return this.log(JSON.stringify({runId: run.runId, fault: this.fault}, null, 2))
      this.log(`sent ${this.fault} to run ${run.runId}`)
    } catch (error) {
      if (isExit(error)) throw error
      if (error instanceof UsageError) fail(this, error.message, EXIT.badInput)
      fail(this, `chaos: ${(error as Error).message}`, EXIT.runFailed)
    }
  }
}
