// ARCHITECTURE.md's import rules hold for src/, commands/ and bench/, and the rules can fail.
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'
import {folderCycles, importViolations, parseAllowedTable, readTree, type SourceFile} from './import-rules.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const table = parseAllowedTable(readFileSync(`${root}/ARCHITECTURE.md`, 'utf8'))

describe('the repository', () => {
  const files = readTree(root, ['src', 'commands', 'bench'])

  it('obeys the allowed-imports table of ARCHITECTURE.md, with no folder cycles', () => {
    expect(files.length).toBeGreaterThan(100)
    expect(importViolations(files, table)).toEqual([])
  })

  it('keeps the protocol core free of imports from outside it', () => {
    const protocol = files.filter((f) => f.path.startsWith('src/protocol/'))
    expect(protocol.length).toBeGreaterThan(5)
    expect(table.get('src/protocol')).toEqual([])
  })
})

describe('the rules', () => {
  const tiny = (files: Record<string, string>): SourceFile[] => Object.entries(files).map(([path, text]) => ({path, text}))

  it('reject an import the table does not allow', () => {
    const files = tiny({'src/protocol/a.ts': "import {x} from '../redis/keys.js'", 'src/redis/keys.ts': "import {y} from '../protocol/a.js'"})
    expect(importViolations(files, table)).toContain("src/protocol/a.ts: src/protocol may not import src/redis (../redis/keys.js); allowed: nothing (ARCHITECTURE.md)")
  })

  it('reject a cycle between folders, naming its path', () => {
    const files = tiny({'src/a/x.ts': "import '../b/y.js'", 'src/b/y.ts': "import '../c/z.js'", 'src/c/z.ts': "export * from '../a/x.js'"})
    expect(folderCycles(files)).toEqual([['src/a', 'src/b', 'src/c', 'src/a']])
  })

  it('reject I/O, clocks and timers in the protocol core, but not the same words in comments or keys', () => {
    const files = tiny({
      'src/protocol/p.ts': "import {readFileSync} from 'node:fs'\nexport const t = () => setTimeout(() => {}, Date.now())\n",
      'src/protocol/q.ts': '// process, setTimeout\nexport const o = {process: 1}.process\n',
    })
    const v = importViolations(files, table)
    expect(v).toContain("src/protocol/p.ts: the protocol core imports node:fs (it must import nothing outside src/protocol/)")
    expect(v).toContain('src/protocol/p.ts: the protocol core uses Date, setTimeout (no I/O, clocks, timers or process in src/protocol/)')
    expect(v.filter((l) => l.startsWith('src/protocol/q.ts'))).toEqual([])
  })

  it('reject src/ or bench/ importing test/, and src/ importing bench/', () => {
    const files = tiny({'src/node/a.ts': "import '../../test/helpers/x.js'", 'bench/b.ts': "import '../test/helpers/x.js'", 'src/cluster/c.ts': "import('../../bench/figure.js')"})
    const v = importViolations(files, table)
    expect(v).toContain('src/node/a.ts: imports ../../test/helpers/x.js from test/ (move the shared code into src/ or bench/)')
    expect(v).toContain('bench/b.ts: imports ../test/helpers/x.js from test/ (move the shared code into src/ or bench/)')
    expect(v).toContain('src/cluster/c.ts: imports ../../bench/figure.js from bench/')
  })

  it('allow a single file where the table names one, and nothing else of its folder', () => {
    const files = tiny({'src/records/r.ts': "import type {Op} from '../workload/types.js'\nimport {parse} from '../workload/parse.js'"})
    expect(importViolations(files, table)).toEqual(['src/records/r.ts: src/records may not import src/workload (../workload/parse.js); allowed: src/protocol, src/workload/types.ts (ARCHITECTURE.md)'])
  })
})
