// A node process that dies is named with how it ended: a SIGKILLed one has no exit code, and
// "process exited with null" told the reader nothing (README "Exit codes" 4: a node crashed).
import {spawn} from 'node:child_process'
import {once} from 'node:events'
import {describe, expect, it} from 'vitest'
import {howItEnded} from '../../src/process/spawn.js'

async function ended(code: string): Promise<string> {
  const child = spawn(process.execPath, ['-e', code], {stdio: 'ignore'})
  await once(child, 'exit')
  return howItEnded(child)
}

describe('howItEnded', () => {
  it('names the signal of a killed process and the status of one that exited', async () => {
    expect(await ended("process.kill(process.pid, 'SIGKILL')")).toBe('was killed by SIGKILL')
    expect(await ended('process.exit(3)')).toBe('exited with status 3')
  })
})
