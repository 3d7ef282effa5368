// `cmm check model` as a user runs it: the commands and their exit statuses.
import {describe, expect, it} from 'vitest'
import {runCli} from '../helpers/cli.js'

describe('cmm check model', () => {
  it('proves upgrade-race exhaustively (exit 0), finds skip-invalidate with a trace (exit 1) that --replay reproduces', async () => {
    const ok = await runCli(['check', 'model', 'workloads/upgrade-race.yaml', '--exhaustive'])
    expect(ok.code).toBe(0)
    expect(ok.stdout).toMatch(/\d+ states explored/)
    expect(ok.stdout).toMatch(/no violation/)

    const broken = await runCli(['check', 'model', 'workloads/upgrade-race.yaml', '--exhaustive', '--break', 'skip-invalidate'])
    expect(broken.code).toBe(1)
    const replay = /--replay "([^"]+)"/.exec(broken.stdout)?.[1]
    expect(replay, broken.stdout).toBeDefined()
    const again = await runCli(['check', 'model', 'workloads/upgrade-race.yaml', '--break', 'skip-invalidate', '--replay', replay!])
    expect(again.code).toBe(1)
    expect(again.stdout + again.stderr).toMatch(/stale-content/)
  }, 60_000)

  it('--kills: random walks with node kills pass (exit 0); a trace with a kill replays without the flag', async () => {
    const ok = await runCli(['check', 'model', 'workloads/upgrade-race.yaml', '--random', '200', '--kills', '2'])
    expect(ok.code).toBe(0)
    expect(ok.stdout).toMatch(/up to 2 node kills/)
    expect(ok.stdout).toMatch(/no violation/)
    const again = await runCli(['check', 'model', 'workloads/upgrade-race.yaml', '--ops', '3', '--replay', 'op0 req0 rep0 op0 req0 rep0 kill0 op0 req0 rep0'])
    expect(again.code).toBe(0)
    expect(again.stdout).toMatch(/node 0 is killed: the manager purges node 0 \(writes lost: a\/0\); it restarts as node 2/)
  }, 60_000)

  it('refuses a bad workload with exit 2', async () => {
    const res = await runCli(['check', 'model', 'workloads/no-such-file.yaml'])
    expect(res.code).toBe(2)
    expect(res.stderr).toMatch(/no-such-file\.yaml/)
  })
})
