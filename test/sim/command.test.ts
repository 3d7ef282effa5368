// `cmm check model` as a user runs it: the commands and their exit statuses.
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {runCli, tempDir} from '../helpers/cli.js'

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
    expect(again.stdout + again.stderr).toMatch(/mapping-without-lock/)
  }, 60_000)

  it('--nodes N means N nodes with the all: program each (as run workload), and is refused where a node would have none', async () => {
    const three = await runCli(['check', 'model', 'workloads/upgrade-race.yaml', '--nodes', '3', '--ops', '2', '--workers', '2'])
    expect(three.code, three.stderr).toBe(0)
    expect(three.stdout).toMatch(/model: 3 nodes/)
    expect(three.stdout).toMatch(/node 2: read a\/0; write a\/0/)
    expect(three.stdout).toMatch(/symmetry reduction on: nodes \{0,1,2\} run the same program/)
    expect(three.stdout).toMatch(/distinct up to symmetry.* on 2 worker threads/)
    const plain = await runCli(['check', 'model', 'workloads/upgrade-race.yaml', '--ops', '1', '--workers', '1', '--no-symmetry'])
    expect(plain.stdout).toMatch(/symmetry reduction off \(--no-symmetry\)/)
    // pingpong's steps are for nodes "0" and "1": a third node would have nothing to run.
    const refused = await runCli(['check', 'model', 'workloads/pingpong.yaml', '--nodes', '3'])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/--nodes 3: node 2 has no ops in workloads\/pingpong\.yaml/)
    // Fewer nodes than steps were written for: the script's own check names the selector.
    const fewer = await runCli(['check', 'model', 'workloads/pingpong.yaml', '--nodes', '1'])
    expect(fewer.code).toBe(2)
    expect(fewer.stderr).toMatch(/pingpong\.yaml:\d+/)
  }, 60_000)

  it('a long search shows its progress on stderr, at most once a second', async () => {
    const res = await runCli(['check', 'model', 'workloads/upgrade-race.yaml', '--nodes', '3', '--ops', '6', '--budget', '3s', '--workers', '1'])
    expect(res.code).toBe(3)
    const lines = res.stderr.split('\n').filter((l) => l.startsWith('searching:'))
    // At most once a second: no more lines than whole seconds the search ran.
    const seconds = Number(/, ([\d.]+) s, \d+ states\/s/.exec(res.stdout)?.[1])
    expect(lines.length).toBeGreaterThan(0)
    expect(lines.length).toBeLessThanOrEqual(Math.floor(seconds))
    expect(lines[0]).toMatch(/^searching: \d+ s, [\d,]+ states\/s, [\d,]+ distinct, queue \d+, depth \d+$/)
    expect(res.stdout).not.toMatch(/searching:/)
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

  it('--save writes the command that replays the trace: the --break variant and --ops kept, so it reproduces the violation', async () => {
    const dir = tempDir()
    const file = join(dir, 't.trace')
    const found = await runCli(['check', 'model', 'workloads/upgrade-race.yaml', '--break', 'no-conversion-refusal', '--save', file])
    expect(found.code).toBe(1)
    const header = readFileSync(file, 'utf8').split('\n')[0]!
    expect(header).toBe(`# cmm check model workloads/upgrade-race.yaml --break no-conversion-refusal --ops 6 --trace ${file}`)
    const again = await runCli(header.split(' ').slice(2))
    expect(again.code, again.stdout).toBe(1)
    expect(again.stdout).toMatch(/conversion/)
  }, 60_000)

  it('refuses a bad workload with exit 2', async () => {
    const res = await runCli(['check', 'model', 'workloads/no-such-file.yaml'])
    expect(res.code).toBe(2)
    expect(res.stderr).toMatch(/no-such-file\.yaml/)
  })

  // It ended in oclif's error box with exit 1, the status of a violation, after the search.
  it('a --save file that cannot be written is bad input in one line (exit 2)', async () => {
    const file = join(tempDir(), 'no-such-folder', 't.trace')
    const res = await runCli(['check', 'model', 'workloads/upgrade-race.yaml', '--ops', '2', '--break', 'skip-invalidate', '--workers', '1', '--save', file])
    expect(res.code).toBe(2)
    expect(res.stderr).toBe(`cmm: --save ${file}: cannot write it (ENOENT)\n`)
  })

  // An empty trace replayed zero steps and said "no violation along this trace", exit 0.
  it('an empty --trace file or --replay is refused (exit 2), not passed', async () => {
    const empty = join(tempDir(), 'empty.trace')
    writeFileSync(empty, '# only a comment\n')
    const file = await runCli(['check', 'model', 'workloads/upgrade-race.yaml', '--ops', '2', '--trace', empty])
    expect(file.code).toBe(2)
    expect(file.stderr).toMatch(new RegExp(`^cmm: ${empty}: no trace steps to replay`))
    const replay = await runCli(['check', 'model', 'workloads/upgrade-race.yaml', '--ops', '2', '--replay', ' '])
    expect(replay.code).toBe(2)
    expect(replay.stderr).toMatch(/^cmm: --replay: no trace steps to replay/)
  })

  // Walk seeds are 32-bit: a larger one was replayed as some other walk ("walk seed 1e+23"), exit 0.
  it('refuses a --replay walk seed no walk can have (exit 2)', async () => {
    const res = await runCli(['check', 'model', 'workloads/upgrade-race.yaml', '--ops', '2', '--replay', '99999999999999999999999'])
    expect(res.code).toBe(2)
    expect(res.stderr).toBe('cmm: --replay: a walk seed is a whole number 0..4294967295 (as a violation prints it), found 99999999999999999999999\n')
  })
})
