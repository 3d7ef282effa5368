// The fast reader of the plain YAML subset must build what the `yaml` library builds (values and
// source offsets), or step aside (null) for the full parser: on every shipped workload, the
// bench's 1 MiB file, and texts at the subset's edges.
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {isMap, isPair, isScalar, isSeq, parseDocument} from 'yaml'
import {parseFast} from '../../src/workload/yaml-fast.js'
import {loadWorkload} from '../../src/workload/parse.js'
import {workloadSource} from '../../src/workload/to-source.js'
import {ROOT} from '../helpers/cli.js'

/** A node as values and offsets (start, value end), comparable between the two readers. */
function tree(node: unknown): unknown {
  if (isScalar(node)) return {v: node.value, at: node.range?.slice(0, 2)}
  if (isMap(node)) return {map: node.items.map((p) => (isPair(p) ? [tree(p.key), tree(p.value)] : null)), at: node.range?.[0]}
  if (isSeq(node)) return {seq: node.items.map(tree), at: node.range?.[0]}
  return {other: String(node)}
}

function same(text: string): void {
  const fast = parseFast(text)
  expect(fast, text).not.toBeNull()
  expect(tree(fast!.root)).toEqual(tree(parseDocument(text, {uniqueKeys: true}).contents))
}

describe('parseFast (the plain YAML subset)', () => {
  it('reads every shipped workload as the yaml library does', () => {
    const dir = join(ROOT, 'workloads')
    let read = 0
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml'))) {
      const text = readFileSync(join(dir, f), 'utf8')
      const fast = parseFast(text)
      if (fast === null) continue // outside the subset (anchors...): the full parser reads it
      read++
      expect(tree(fast.root), f).toEqual(tree(parseDocument(text, {uniqueKeys: true}).contents))
    }
    expect(read).toBeGreaterThan(10)
  })

  it('reads scalars as the core schema does', () => {
    same('a: 1\nb: -2\nc: 1.5\nd: 1e3\ne: true\nf: False\ng: null\nh: ~\ni: yes\nj: 007\nk: 10ms\nl: "x, y"\nm: \'q\'\nn: a/0\no: 0-3\np: 1,2\nq: two words\n')
    same('x: {a: 1, b: [1, 2.5, c], "d e": {f: g}, h: {}}  # comment\ny: []\n')
    same('- {write: a/0}\n- read: b/1\n  then: 2\n- - 1\n  - 2\n')
    same('top:\n- a\n- b\nnext:\n  # a comment\n  inner: 3\n')
    same('1: one\n"1,2": two\nall: three\n')
  })

  it('reads JSON (how the run meta stores a workload) as the yaml library does', () => {
    same('{"version":1,"name":"x","description":"","cluster":{"nodes":2,"holdTime":"0us"},"files":{"a":{"pages":4}},"nodes":{"0":[{"write":"a/0"},{"mix":{"ops":5,"files":["a"]}}],"1":[]}}')
    same('{"a":-1.5,"b":true,"c":null,"d":[1,"x",[]],\'e\':plain}\n')
    // Every shipped workload as a node reads it back from the run meta (node/run-meta.ts).
    const dir = join(ROOT, 'workloads')
    let read = 0
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml'))) {
      const json = JSON.stringify(workloadSource(loadWorkload(join(dir, f))))
      if (json.includes('\\')) continue // an escape in a string: the full parser reads it
      read++
      same(json)
    }
    expect(read).toBeGreaterThan(10)
  })

  it('steps aside for what is outside the subset', () => {
    for (const text of [
      'a: &x 1\nb: *x\n', 'a: !!str 1\n', 'a: |\n  text\n', 'a:\n', 'a: 1\na: 2\n', '{a: 1, a: 2}\n', 'a: b: c\n', 'a: [1,\n  2]\n',
      'a: one\n  two\n', 'a: 0x1F\n', 'a: .inf\n', 'a: "esc\\n"\n', '---\na: 1\n', 'a:\tb\n', 'a: 1\r\n', 'a: {b}\n', 'a: -x\n', '- \n  a: 1\n', '',
      '{a:1}\n', '{"a" :1}\n', '["a":1]\n', '{"a":"x\\"y"}\n', '{"a":}\n',
    ]) expect(parseFast(text), JSON.stringify(text)).toBeNull()
  })
})
