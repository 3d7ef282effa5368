// Every kind of bad input must fail with `FILE:LINE:COL: expected ..., found ...` pointing at
// the offending text. Positions here are counted by hand from the YAML shown.
import {describe, expect, it} from 'vitest'
import {WorkloadError} from '../../src/workload/errors.js'
import {loadWorkload} from '../../src/workload/parse.js'
import {parseError, yaml} from './helpers.js'

/** A valid header (lines 1-5) so that node steps start on line 6. */
function withSteps(...stepLines: string[]): string {
  return yaml('name: t', 'files:', '  a: {pages: 4}', '  b: {pages: 4}', 'nodes:', ...stepLines)
}

interface Case {
  readonly name: string
  readonly text: string
  readonly line: number
  readonly column: number
  readonly message: string
}

const cases: Case[] = [
  {
    name: 'YAML syntax error (tab indentation)',
    text: yaml('name: t', 'files:', '\ta: {pages: 4}'),
    line: 3,
    column: 1,
    message: 'expected valid YAML, found a syntax error: Tabs are not allowed as indentation',
  },
  {
    name: 'YAML syntax error (unclosed flow list)',
    text: yaml('name: t', 'files: {a: {pages: 4}}', 'nodes:', '  "0": [{write: a/0}', 'description: x'),
    line: 5,
    column: 1,
    message: 'expected valid YAML, found a syntax error:',
  },
  {
    name: 'duplicate key',
    text: yaml('name: t', 'name: u'),
    line: 2,
    column: 1,
    message: 'expected valid YAML, found a syntax error: Map keys must be unique',
  },
  {
    name: 'unknown tag (would silently become a string)',
    text: withSteps('  "0": [{write: !!foo a/0}]'),
    line: 6,
    column: 17,
    message: 'expected valid YAML, found a syntax error: Unresolved tag',
  },
  {
    name: 'unknown top-level key',
    text: yaml('name: t', 'file: {a: {pages: 4}}'),
    line: 2,
    column: 1,
    message: 'expected one of the workload keys (version, name, description, cluster, files, nodes, chaos), found file (did you mean files?)',
  },
  {
    name: 'unknown step key',
    text: withSteps('  "0":', '    - wrte: a/0'),
    line: 7,
    column: 7,
    message: 'expected one of the step keys (read, write, copy, msync, sleep, repeat, do, mix), found wrte (did you mean write?)',
  },
  {
    name: 'unknown cluster key',
    text: yaml('name: t', 'cluster:', '  nodes: 2', '  holdtime: 1ms'),
    line: 4,
    column: 3,
    message: 'expected one of the cluster keys (nodes, granularity, states, pageSize, downgrade, holdTime, copyStrategy), found holdtime (did you mean holdTime?)',
  },
  {
    name: 'unknown mix key',
    text: withSteps('  all: [{mix: {ops: 10, read: 100, reads: 5}}]'),
    line: 6,
    column: 36,
    message: 'expected one of the mix keys (ops, duration, rate, read, write, copy, pages, files), found reads (did you mean read?)',
  },
  {
    name: 'malformed page',
    text: withSteps('  "0":', '    - read: a0'),
    line: 7,
    column: 13,
    message: 'expected a page like a/0 for read, found a0',
  },
  {
    name: 'page of an unknown file',
    text: withSteps('  "0":', '    - write: c/0'),
    line: 7,
    column: 14,
    message: 'expected a page like a/0 of one of the files (a, b) for write, found c/0',
  },
  {
    name: 'missing page value',
    text: withSteps('  "0":', '    - write:', '    - read: a/0'),
    line: 7,
    column: 13,
    message: 'expected a page like a/0 for write, found nothing',
  },
  {
    name: 'percentages not adding up to 100',
    text: withSteps('  all:', '    - mix: {ops: 100, read: 70, write: 25}'),
    line: 7,
    column: 12,
    message: 'expected mix read + write + copy to add up to 100, found 70 + 25 + 0 = 95',
  },
  {
    name: 'mix with both ops and duration',
    text: withSteps('  all:', '    - mix: {ops: 100, duration: 1s, read: 100}'),
    line: 7,
    column: 33,
    message: 'expected either ops or duration in a mix, found both',
  },
  {
    name: 'mix with neither ops nor duration',
    text: withSteps('  all:', '    - mix: {read: 100}'),
    line: 7,
    column: 12,
    message: 'expected a mix with ops: N or duration: D, found a mix with neither',
  },
  {
    name: 'mix with copies but one file',
    text: withSteps('  all:', '    - mix: {ops: 10, read: 90, copy: 10, files: [a]}'),
    line: 7,
    column: 38,
    message: 'expected at least two files in a mix with copies (a copy goes between two different files), found only a',
  },
  {
    name: 'node selector out of range (default nodes)',
    text: withSteps('  "0": [{write: a/0}]', '  "2": [{write: a/0}]'),
    line: 7,
    column: 3,
    message: 'expected node ids 0..1 (cluster.nodes defaults to 2), found 2',
  },
  {
    name: 'node range out of range',
    text: yaml('name: t', 'cluster: {nodes: 3}', 'files: {a: {pages: 4}}', 'nodes:', '  0-3: [{write: a/0}]'),
    line: 5,
    column: 3,
    message: 'expected node ids 0..2 (cluster.nodes is 3), found 0-3',
  },
  {
    name: 'malformed node selector',
    text: withSteps('  "0,0": [{write: a/0}]'),
    line: 6,
    column: 3,
    message: 'expected a node selector like all, 1, "1,2" or 0-3 (each node once), found 0,0',
  },
  {
    name: 'bad duration',
    text: withSteps('  "0":', '    - sleep: 10 sec'),
    line: 7,
    column: 14,
    message: 'expected sleep (a duration with a unit: 500us, 10ms, 2s, 1m or 1h), found 10 sec',
  },
  {
    name: 'bad holdTime',
    text: yaml('name: t', 'cluster: {holdTime: -1ms}'),
    line: 2,
    column: 21,
    message: 'expected cluster.holdTime (a duration with a unit: 500us, 10ms, 2s, 1m or 1h), found -1ms',
  },
  {
    name: 'bad version',
    text: yaml('version: 2', 'name: t'),
    line: 1,
    column: 10,
    message: 'expected version 1 (the only workload format version this cmm reads), found 2',
  },
  {
    name: 'copy to the same file',
    text: withSteps('  "0":', '    - copy: {from: a/0, to: a/2}'),
    line: 7,
    column: 29,
    message: 'expected a copy between two different files, found a copy from a to a',
  },
  {
    name: 'copy range out of the source file',
    text: withSteps('  "0":', '    - copy: {from: a/2, to: b/0, pages: 3}'),
    line: 7,
    column: 41,
    message: 'expected 3 pages from a/2 to fit in file a (pages 0..3), found a/2..a/4',
  },
  {
    name: 'copy range out of the destination file (pages defaults to 1)',
    text: yaml('name: t', 'files: {a: {pages: 8}, b: {pages: 2}}', 'nodes:', '  "0": [{copy: {from: a/0, to: b/2}}]'),
    line: 4,
    column: 32,
    message: 'expected a page like a/0 (file b has pages 0..1), found b/2',
  },
  {
    name: 'missing name',
    text: yaml('# no name', 'files: {a: {pages: 4}}', 'nodes: {all: [{read: a/0}]}'),
    line: 2,
    column: 1,
    message: 'expected key name (the workload name), found a map without name',
  },
  {
    name: 'missing files',
    text: yaml('name: t', 'nodes: {all: [{read: a/0}]}'),
    line: 1,
    column: 1,
    message: 'expected key files (the files of the workload), found a map without files',
  },
  {
    name: 'empty document',
    text: yaml('# nothing here'),
    line: 1,
    column: 1,
    message: 'expected a workload map with name, files and nodes, found an empty document',
  },
  {
    name: 'two ops in one step',
    text: withSteps('  "0":', '    - {write: a/0, read: a/1}'),
    line: 7,
    column: 20,
    message: 'expected one op per step, found read next to write',
  },
  {
    name: 'do without repeat',
    text: withSteps('  "0":', '    - do: [{read: a/0}]'),
    line: 7,
    column: 7,
    message: 'expected repeat next to do (do: is the body of a repeat), found do without repeat',
  },
  {
    name: 'repeat without do',
    text: withSteps('  "0":', '    - repeat: 3'),
    line: 7,
    column: 7,
    message: 'expected key do (the steps to repeat), found a map without do',
  },
  {
    name: 'negative repeat count',
    text: withSteps('  "0":', '    - repeat: -1', '      do: [{read: a/0}]'),
    line: 7,
    column: 15,
    message: 'expected repeat (a whole number of times 0..1000000000), found -1',
  },
  {
    name: 'empty step list',
    text: withSteps('  "0": []'),
    line: 6,
    column: 8,
    message: 'expected nodes.0 (a list of at least one step), found an empty list',
  },
  {
    name: 'page size not a power of two',
    text: yaml('name: t', 'cluster: {pageSize: 1000}'),
    line: 2,
    column: 21,
    message: 'expected cluster.pageSize (a power of two 64..65536), found 1000',
  },
  {
    name: 'bad enum value',
    text: yaml('name: t', 'cluster: {downgrade: wp}'),
    line: 2,
    column: 22,
    message: 'expected cluster.downgrade (unmap or write-protect), found wp',
  },
  {
    name: 'msync of an unknown file',
    text: withSteps('  "0": [{msync: c}]'),
    line: 6,
    column: 17,
    message: 'expected one of the files (a, b) for msync, found c',
  },
  {
    name: 'file with zero pages',
    text: yaml('name: t', 'files:', '  a: {pages: 0}'),
    line: 3,
    column: 14,
    message: 'expected files.a.pages (a whole number 1..1048576), found 0',
  },
  {
    name: 'bad file name',
    text: yaml('name: t', 'files:', '  1a: {pages: 4}'),
    line: 3,
    column: 3,
    message: 'expected a file name made of letters, digits, _ and - (not starting with a digit or -), found 1a',
  },
  {
    name: 'alias to an undefined anchor',
    text: withSteps('  "0": [{write: *p}]'),
    line: 6,
    column: 17,
    message: 'expected an alias to a defined anchor, found *p (no anchor &p before it)',
  },
  {
    name: 'self-referencing steps through an alias',
    text: withSteps('  "0": &s [{repeat: 2, do: *s}]'),
    line: 6,
    column: 12,
    message: 'expected repeats nested at most 32 deep, found deeper nesting',
  },
  {
    name: 'chaos step that both kills and pauses',
    text: withSteps('  all: [{read: a/0}]', 'chaos:', '  - {at: 1s, kill: 1, pause: 0, for: 2s}'),
    line: 8,
    column: 5,
    message: 'expected a chaos step with exactly one fault (kill:, pause:, restart-redis:, failover-redis:, partition:, delay: or skew:), found both kill: and pause:',
  },
  {
    name: 'chaos step without a fault (not only kill: or pause: are faults)',
    text: withSteps('  all: [{read: a/0}]', 'chaos:', '  - {at: 1s, for: 2s}'),
    line: 8,
    column: 5,
    message: 'expected a chaos step with exactly one fault (kill:, pause:, restart-redis:, failover-redis:, partition:, delay: or skew:), found none',
  },
  {
    name: 'chaos target that is not a node',
    text: withSteps('  all: [{read: a/0}]', 'chaos:', '  - {every: 3s, kill: someone, restart: 1s}'),
    line: 8,
    column: 23,
    message: 'expected a node id (0..255) or random, found someone',
  },
  // A chaos step's node must be one the cluster has, and a holder-of page one the files have:
  // refused before anything starts (not a run that fails once the step comes due).
  {
    name: 'chaos kill of a node the cluster does not have',
    text: withSteps('  all: [{read: a/0}]', 'chaos:', '  - {at: 1s, kill: 5, restart: 1s}'),
    line: 8,
    column: 20,
    message: 'expected a chaos target among node ids 0..1 (cluster.nodes defaults to 2), found node 5',
  },
  {
    name: 'chaos partition of a node the cluster does not have',
    text: withSteps('  all: [{read: a/0}]', 'chaos:', '  - {at: 1s, partition: 2, for: 1s}'),
    line: 8,
    column: 25,
    message: 'expected a chaos target among node ids 0..1 (cluster.nodes defaults to 2), found node 2',
  },
  {
    name: 'chaos holder-of a page the file does not have',
    text: withSteps('  all: [{read: a/0}]', 'chaos:', '  - {at: 1s, kill: holder-of a/9, when: dirty}'),
    line: 8,
    column: 20,
    message: 'expected holder-of a page like a/0 (file a has pages 0..3), found a/9',
  },
  {
    name: 'chaos holder-of a file the workload does not declare',
    text: withSteps('  all: [{read: a/0}]', 'chaos:', '  - {at: 1s, delay: holder-of c/0, when: dirty, by: 5ms}'),
    line: 8,
    column: 21,
    message: 'expected holder-of a page of one of the files (a, b), found c/0',
  },
]

describe('workload errors', () => {
  it.each(cases)('$name', ({text, line, column, message}) => {
    const e = parseError(text, 'bad.yaml')
    expect(e.source).toBe('bad.yaml')
    expect({line: e.line, column: e.column}).toEqual({line, column})
    expect(e.message.startsWith(`bad.yaml:${line}:${column}: ${message}`)).toBe(true)
    expect(e.message).toBe(`bad.yaml:${e.line}:${e.column}: ${e.detail}`)
  })

  it('reproduces the example message of the spec', () => {
    const text = yaml('version: 1', 'name: x', 'files:', '  a: {pages: 4}', 'nodes:', '  "0":', '    - write: a/9')
    expect(parseError(text, 'workloads/x.yaml').message).toBe(
      'workloads/x.yaml:7:14: expected a page like a/0 (file a has pages 0..3), found a/9',
    )
  })

  it('reports a file that cannot be read without a line', () => {
    expect(() => loadWorkload('/nonexistent/w.yaml')).toThrow(WorkloadError)
    try {
      loadWorkload('/nonexistent/w.yaml')
    } catch (e) {
      const err = e as WorkloadError
      expect(err.line).toBe(0)
      expect(err.message).toMatch(/^\/nonexistent\/w\.yaml: expected a readable workload file, found an error: ENOENT/)
    }
  })

  it('keeps every message on one line with expected and found', () => {
    for (const c of cases) {
      const e = parseError(c.text)
      expect(e.message).not.toContain('\n')
      expect(e.detail).toMatch(/^expected .+, found /)
    }
  })
})
