import {spawnSync} from 'node:child_process'
import {describe, expect, it} from 'vitest'
import {ciEnvironment, liveViewCanDraw} from '../../src/tui/can-draw.js'
import {ROOT} from '../helpers/cli.js'

/** What Ink's own rule (the is-in-ci package it imports) says in a process with exactly `env`. */
function inkSaysCi(env: Record<string, string>): boolean {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', "import ci from 'is-in-ci'; process.stdout.write(String(ci))"], {cwd: ROOT, env: {PATH: process.env.PATH ?? '', ...env}, encoding: 'utf8'})
  expect(r.status).toBe(0)
  return r.stdout === 'true'
}

describe('live view: when it can draw', () => {
  it('follows Ink\'s CI rule: set and not "0" or "false"', () => {
    expect(ciEnvironment({})).toBe(false)
    expect(ciEnvironment({CI: 'true'})).toBe(true)
    expect(ciEnvironment({CI: ''})).toBe(true)
    expect(ciEnvironment({CI: '0'})).toBe(false)
    expect(ciEnvironment({CI: 'false'})).toBe(false)
    expect(ciEnvironment({CONTINUOUS_INTEGRATION: '1'})).toBe(true)
  })

  // The rule is copied because is-in-ci reads process.env once at import; this keeps the copy honest.
  it('agrees with the is-in-ci package Ink uses', () => {
    const envs: Record<string, string>[] = [{}, {CI: 'true'}, {CI: ''}, {CI: '0'}, {CI: 'false'}, {CONTINUOUS_INTEGRATION: '1'}]
    for (const env of envs) {
      expect(ciEnvironment(env)).toBe(inkSaysCi(env))
    }
  })

  it('needs a terminal and no CI', () => {
    expect(liveViewCanDraw({isTTY: true}, {})).toBe(true)
    expect(liveViewCanDraw({isTTY: false}, {})).toBe(false)
    expect(liveViewCanDraw({}, {})).toBe(false)
    expect(liveViewCanDraw({isTTY: true}, {CI: '1'})).toBe(false)
  })
})
