// Loads a stored run's records for the timeline (run.json, history, trace, locks, requests, events).
import type {RunSummary} from '../../results/summary.js'
import type {RunRecords} from '../../check/run-records.js'
import {loadStoredRun, withRecords} from '../../results/load-run.js'

export async function loadRunRecords(dir: string): Promise<RunRecords<RunSummary>> {
  return withRecords(await loadStoredRun(dir))
}
