// A --results that is a file, given to the commands that look runs up in it: one line naming the
// flag and exit 2 (bad input). It escaped as a raw ENOTDIR: exit 1 with oclif's error box from
// `report histograms`, exit 4 ("Redis unreachable") from `cmm chaos` and `cmm clean`.
import {describe, expect, it} from 'vitest'
import {runCli, tempDir, writeTemp} from '../helpers/cli.js'

describe('a --results that is a file', () => {
  const file = writeTemp(tempDir(), 'not-a-folder', 'x\n')

  it.each([
    [['report', 'histograms']],
    [['clean', '--dry-run']],
    [['chaos', 'kill-node', '0']],
    [['chaos', 'heal', '--run', '20261206-040441-ffcb']],
  ])('cmm %j refuses it with exit 2, naming the flag', async (args) => {
    const r = await runCli([...args, '--results', file])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe(`cmm: --results ${file}: not a folder\n`)
  })
})
