// The command lines cmm writes to reproduce a run or a chart: pasted back into a shell, they say the same.
import {spawnSync} from 'node:child_process'
import {describe, expect, it} from 'vitest'
import {commandLine, shellWord} from '../../src/util/shell-words.js'

describe('shell words', () => {
  it('quotes only what the shell would split or expand, and drops the named flags with their values', () => {
    expect(commandLine(['run', 'workload', 'w.yaml', '--seed', '7', '--results=out', '--break', 'skip-invalidate'], ['--seed', '--results'])).toBe('cmm run workload w.yaml --break skip-invalidate')
    expect(commandLine(['check', 'model', 'a b.yaml', '--replay', 'op0 req0', '--html', 'x.html'], ['--html'])).toBe(`cmm check model 'a b.yaml' --replay 'op0 req0'`)
    const tricky = `it's $HOME "and" *`
    const echoed = spawnSync('sh', ['-c', `printf %s ${shellWord(tricky)}`], {encoding: 'utf8'})
    expect(echoed.stdout).toBe(tricky)
  })
})
