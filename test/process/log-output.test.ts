// A child's output goes to its log in full, and the log's last line says how it ended. The log was
// once ended at the child's 'exit', before its stdout and stderr were drained: the last chunks hit
// an ended stream, an unhandled error that killed the orchestrator before it wrote run.json.
import {spawn} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {logOutput} from '../../src/process/spawn.js'
import {tempDir} from '../helpers/cli.js'

const BIG = 4 * 1024 * 1024

describe('logOutput', () => {
  it('keeps every byte a child wrote just before it exited, then says how it ended', async () => {
    // Many times a pipe's capacity, written (blocking, so none is dropped by the child) right before
    // exiting: the parent usually sees the exit before it has read the pipe to its end (ending the
    // log at 'exit' failed this test in 4 of 5 runs).
    const runs = Array.from({length: 8}, async (_, k) => {
      const file = join(tempDir(), `child-${k}.log`)
      const child = spawn(process.execPath, ['-e', `const fs = require('fs'); fs.writeSync(1, 'x'.repeat(${BIG})); fs.writeSync(2, 'bye\\n'); process.exit(3)`], {stdio: ['ignore', 'pipe', 'pipe']})
      const code = await logOutput(child, file, `child ${k}`)
      return {code, text: readFileSync(file, 'utf8')}
    })
    for (const {code, text} of await Promise.all(runs)) {
      expect(code).toBe(3)
      expect(text).toMatch(/\[cmm\] child \d exited with 3\n$/)
      const output = text.slice(0, text.lastIndexOf('[cmm]'))
      expect(output.length).toBe(BIG + 'bye\n'.length)
      expect(output.replace('bye\n', '')).toBe('x'.repeat(BIG))
    }
  })

  it('names the signal of a killed child and the error of one that could not start', async () => {
    const dir = tempDir()
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], {stdio: ['ignore', 'pipe', 'pipe']})
    const killed = logOutput(sleeper, join(dir, 'killed.log'), 'sleeper')
    sleeper.kill('SIGKILL')
    expect(await killed).toBeNull()
    expect(readFileSync(join(dir, 'killed.log'), 'utf8')).toBe('[cmm] sleeper exited with SIGKILL\n')
    const missing = spawn(join(dir, 'no-such-program'), [], {stdio: ['ignore', 'pipe', 'pipe']})
    expect(await logOutput(missing, join(dir, 'missing.log'), 'ghost')).toBeNull()
    expect(readFileSync(join(dir, 'missing.log'), 'utf8')).toMatch(/^\[cmm\] ghost could not start: .*ENOENT/)
  })
})
