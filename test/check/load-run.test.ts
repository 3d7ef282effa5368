// events.jsonl carries node-loss steps and deadlock records in one line shape: `cmm check run`
// reads the deadlocks out of it and ignores the rest.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {loadStoredRun, resolveRunDir, StoredRunError} from '../../src/results/load-run.js'
import {RESULTS_FORMAT} from '../../src/results/summary.js'
import {EventLog} from '../../src/results/events.js'
import {tempDir} from '../helpers/cli.js'

describe('loadStoredRun', () => {
  it('reads deadlocks from an events.jsonl that also holds fault steps', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'run.json'), JSON.stringify({format: RESULTS_FORMAT, end: 'completed', durationMs: 100, settings: {copyStrategy: 'naive'}, faults: {deadProcesses: [1]}}))
    writeFileSync(join(dir, 'history.jsonl'), '')
    writeFileSync(join(dir, 'trace.jsonl'), '')
    const log = new EventLog(join(dir, 'events.jsonl'))
    log.write('kill', {node: 1, proc: 1})
    log.write('deadlock', {id: 1, timeMs: 12.5, cycle: [], text: 'node 0 ...', victim: 0, broken: true, ops: {}})
    log.write('death-detected', {node: 1, proc: 1})
    expect(log.records.every((r) => typeof r.timeMs === 'number' && typeof r.time === 'string')).toBe(true)
    const {evidence} = await loadStoredRun(dir)
    expect(evidence.deadlocks?.map((d) => [d.id, d.timeMs, d.victim])).toEqual([[1, 12.5, 0]])
    expect(evidence.faults).toEqual({deadProcesses: [1]})
    expect(evidence.copyStrategy).toBe('naive')
  })

  // README "Exit codes": an older-format results folder is bad input (exit 2) for `cmm check run`
  // and `cmm report timeline` too, not re-judged as if its files meant what this cmm writes.
  it.each([
    [{end: 'completed', durationMs: 100, settings: {}}, /no "format" field: a results folder from an older format/],
    [{format: RESULTS_FORMAT - 1, end: 'completed', durationMs: 100, settings: {}}, /results format 0, this cmm reads format 1 \(an older format\)/],
    [{format: RESULTS_FORMAT + 1, end: 'completed', durationMs: 100, settings: {}}, /\(made by a newer cmm\)/],
  ])('refuses a run.json of another results format: %j', async (runJson, message) => {
    const dir = tempDir()
    writeFileSync(join(dir, 'run.json'), JSON.stringify(runJson))
    writeFileSync(join(dir, 'history.jsonl'), '')
    writeFileSync(join(dir, 'trace.jsonl'), '')
    await expect(loadStoredRun(dir)).rejects.toThrow(StoredRunError)
    await expect(loadStoredRun(dir)).rejects.toThrow(message)
  })
})

// `cmm check run` and `cmm report timeline` name runs through resolveRunDir. An absolute path
// was also looked for under --results (`nor results/tmp/x`), and a folder without run.json (a run
// quit at once, a failed start) was reported as if it did not exist.
describe('resolveRunDir', () => {
  it('says which folder it looked at and what it lacks', () => {
    const root = tempDir()
    const bare = tempDir()
    expect(() => resolveRunDir(bare, root)).toThrow(`${bare}: no run.json (not a results folder, or its run did not finish writing)`)
    expect(() => resolveRunDir(join(bare, 'nope'), root)).toThrow(`no run ${join(bare, 'nope')}: ${join(bare, 'nope')} is not a results folder`)
    expect(() => resolveRunDir('nope', root)).toThrow(`no run nope: neither nope nor ${join(root, 'nope')} is a results folder with a run.json`)
    expect(() => resolveRunDir('', root)).toThrow('no run "": empty run id')
    writeFileSync(join(bare, 'run.json'), '{}')
    expect(resolveRunDir(bare, root)).toBe(bare)
  })
})
