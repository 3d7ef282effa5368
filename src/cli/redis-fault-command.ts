// What `cmm chaos restart-redis` and `cmm chaos failover-redis` share: find the live run, send
// the fault request, report it. Each command only names its fault and describes it.
import {Flags} from '@oclif/core'
import {CmmCommand} from './command.js'
import {ChaosTargetError, redisFault} from '../chaos/kill-node.js'
import type {RedisFaultSignal} from '../chaos/requests.js'
import {EXIT} from '../records/exit-codes.js'
import {fail, isExit} from './fail.js'
import {resultsFlag} from './results-flag.js'

export const REDIS_FAULT_EXIT_TEXT = 'Exit status: 0 request delivered, 2 no such live run (or it cannot take this fault), 4 Redis unreachable.'

export abstract class RedisFaultCommand extends CmmCommand {
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --run 20260101-120000-ab12',
  ]

  static override flags = {
    run: Flags.string({description: 'Run id (default: the latest live run in --results).'}),
    results: resultsFlag('Results folder where live runs register.'),
    json: Flags.boolean({description: 'Print what was sent as one JSON document.', default: false}),
  }

  protected abstract readonly fault: {readonly signal: RedisFaultSignal; readonly name: string}

  async run(): Promise<void> {
    const {flags} = await this.parse(this.ctor as typeof RedisFaultCommand)
    try {
      const {run} = await redisFault({outDir: flags.results, runId: flags.run, signal: this.fault.signal})
      if (flags.json) return this.log(JSON.stringify({runId: run.runId, fault: this.fault.name}, null, 2))
      this.log(`sent ${this.fault.name} to run ${run.runId}`)
    } catch (error) {
      if (isExit(error)) throw error
      if (error instanceof ChaosTargetError) fail(this, error.message, EXIT.badInput)
      fail(this, `chaos: ${(error as Error).message}`, EXIT.runFailed)
    }
  }
}
