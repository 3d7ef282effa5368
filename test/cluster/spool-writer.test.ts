// The record store's buffered appends: text reaches its file when the buffer passes its bound,
// soon after it was queued (a timer), and at close; files stay open between writes.
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it, vi} from 'vitest'
import {SpoolWriter} from '../../src/cluster/spool-writer.js'
import {tempDir} from '../helpers/cli.js'

const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '')

describe('SpoolWriter', () => {
  it('holds text until the buffer passes its bound, then writes every file in order', () => {
    const dir = tempDir()
    const w = new SpoolWriter(10)
    w.append(join(dir, 'a'), 'a1\n')
    w.append(join(dir, 'b'), 'b1\n')
    expect(read(join(dir, 'a'))).toBe('')
    w.append(join(dir, 'a'), 'a2-long\n')
    expect([read(join(dir, 'a')), read(join(dir, 'b'))]).toEqual(['a1\na2-long\n', 'b1\n'])
    w.append(join(dir, 'a'), 'a3\n')
    w.close()
    expect(read(join(dir, 'a'))).toBe('a1\na2-long\na3\n')
  })

  it('writes queued text within a second without more appends', async () => {
    const dir = tempDir()
    const w = new SpoolWriter()
    w.append(join(dir, 'a'), 'x\n')
    await vi.waitFor(() => expect(read(join(dir, 'a'))).toBe('x\n'), {timeout: 3000, interval: 50})
    w.close()
  })

  it('keeps a bounded number of files open, reopening one to append after it was closed', () => {
    const dir = tempDir()
    const w = new SpoolWriter(1)
    for (let round = 0; round < 2; round++) for (let f = 0; f < 100; f++) w.append(join(dir, `f${f}`), `${round}\n`)
    w.close()
    for (let f = 0; f < 100; f++) expect(read(join(dir, `f${f}`))).toBe('0\n1\n')
  })
})
