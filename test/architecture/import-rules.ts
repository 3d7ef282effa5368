// The import rules of ARCHITECTURE.md, as functions of a list of files and their imports, so the
// rules themselves can be tested on small made-up trees (import-rules.test.ts) as well as on
// the real one.
import {readFileSync, readdirSync} from 'node:fs'
import {builtinModules} from 'node:module'
import {dirname, join, normalize, relative} from 'node:path'
import ts from 'typescript'

export interface SourceFile {
  /** Repository-relative, forward slashes: `src/node/node.ts`. */
  readonly path: string
  readonly text: string
}

export interface ImportEdge {
  readonly from: string
  /** The specifier as written. */
  readonly specifier: string
  /** Repository-relative file it resolves to (relative specifiers only; extension as written). */
  readonly target: string | null
}

/** Folder -> what it may import: folder paths (`src/redis`) or single files (`src/workload/types.ts`); `*`: every src/ folder. */
export type AllowedTable = ReadonlyMap<string, readonly string[]>

/** The folder a file belongs to for these rules: `src/<name>`, or the top folder (`commands`, `bench`, `test`). */
export function folderOf(path: string): string {
  const parts = path.split('/')
  return parts[0] === 'src' && parts.length > 2 ? `src/${parts[1]}` : parts[0]!
}

export function importsOf(file: SourceFile): ImportEdge[] {
  const info = ts.preProcessFile(file.text, true, true)
  return info.importedFiles.map(({fileName: specifier}) => {
    if (!specifier.startsWith('.')) return {from: file.path, specifier, target: null}
    const target = normalize(join(dirname(file.path), specifier)).split('\\').join('/').replace(/\.js$/, '.ts')
    return {from: file.path, specifier, target}
  })
}

/** Reads the table under "## Allowed imports" in ARCHITECTURE.md. */
export function parseAllowedTable(markdown: string): AllowedTable {
  const section = markdown.split(/^## Allowed imports\s*$/m)[1]
  if (section === undefined) throw new Error('ARCHITECTURE.md: no "## Allowed imports" section')
  const table = new Map<string, string[]>()
  for (const line of section.split('\n')) {
    const m = /^\|\s*([\w/.-]+)\s*\|\s*([^|]*)\|\s*$/.exec(line)
    if (!m || m[1] === 'folder') continue
    const allowed = m[2]!.trim()
    table.set(m[1]!, allowed === '(nothing)' ? [] : allowed.split(',').map((s) => s.trim()))
  }
  if (table.size === 0) throw new Error('ARCHITECTURE.md: the allowed-imports table is empty')
  return table
}

/** Node built-ins, I/O and scheduling globals the pure core must not touch. */
const IMPURE_GLOBALS = new Set(['process', 'setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'queueMicrotask', 'fetch', 'require', 'console', 'performance', 'Date'])

/** Uses (outside comments, strings, property names and keys) of a global the pure core must not touch. */
export function impureGlobalsIn(file: SourceFile): string[] {
  const source = ts.createSourceFile(file.path, file.text, ts.ScriptTarget.Latest, true)
  const found = new Set<string>()
  const isName = (node: ts.Identifier): boolean => {
    const p = node.parent
    return (ts.isPropertyAccessExpression(p) && p.name === node) || ((ts.isPropertyAssignment(p) || ts.isPropertySignature(p) || ts.isPropertyDeclaration(p) || ts.isMethodDeclaration(p) || ts.isMethodSignature(p)) && p.name === node)
  }
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && IMPURE_GLOBALS.has(node.text) && !isName(node)) found.add(node.text)
    ts.forEachChild(node, visit)
  }
  visit(source)
  return [...found].sort()
}

function allows(table: AllowedTable, from: string, target: string): boolean {
  const allowed = table.get(from)
  if (allowed === undefined) return false
  const to = folderOf(target)
  return allowed.some((a) => (a === '*' ? to.startsWith('src/') : a === to || a === target))
}

/** Every broken rule, one line each; empty when the tree obeys ARCHITECTURE.md. */
export function importViolations(files: readonly SourceFile[], table: AllowedTable): string[] {
  const out: string[] = []
  for (const file of files) {
    const from = folderOf(file.path)
    if (from.startsWith('src/') || from === 'commands' || from === 'bench') {
      if (!table.has(from)) out.push(`${file.path}: folder ${from} has no row in the allowed-imports table`)
    }
    for (const edge of importsOf(file)) {
      if (edge.target === null) {
        const bare = edge.specifier.replace(/^node:/, '')
        if (from === 'src/protocol') out.push(`${file.path}: the protocol core imports ${edge.specifier} (it must import nothing outside src/protocol/)`)
        else if (edge.specifier.startsWith('node:') && !builtinModules.includes(bare)) out.push(`${file.path}: unknown built-in ${edge.specifier}`)
        continue
      }
      const to = folderOf(edge.target)
      if (to === 'test' && from !== 'test') out.push(`${file.path}: imports ${edge.specifier} from test/ (move the shared code into src/ or bench/)`)
      else if (to === 'bench' && from.startsWith('src/')) out.push(`${file.path}: imports ${edge.specifier} from bench/`)
      else if (to !== from && from !== 'test' && !allows(table, from, edge.target)) {
        out.push(`${file.path}: ${from} may not import ${to} (${edge.specifier}); allowed: ${(table.get(from) ?? []).join(', ') || 'nothing'} (ARCHITECTURE.md)`)
      }
    }
    if (from === 'src/protocol') {
      const impure = impureGlobalsIn(file)
      if (impure.length > 0) out.push(`${file.path}: the protocol core uses ${impure.join(', ')} (no I/O, clocks, timers or process in src/protocol/)`)
    }
  }
  for (const cycle of folderCycles(files)) out.push(`folder import cycle: ${cycle.join(' -> ')}`)
  return out
}

/** The folder graph's cycles, one per strongly connected component (Tarjan), as `a -> b -> a`. */
export function folderCycles(files: readonly SourceFile[]): string[][] {
  const graph = new Map<string, Set<string>>()
  for (const file of files) {
    const from = folderOf(file.path)
    for (const edge of importsOf(file)) {
      if (edge.target === null) continue
      const to = folderOf(edge.target)
      if (to !== from) (graph.get(from) ?? graph.set(from, new Set()).get(from)!).add(to)
    }
  }
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const cycles: string[][] = []
  const visit = (v: string): void => {
    index.set(v, index.size)
    low.set(v, index.get(v)!)
    stack.push(v)
    onStack.add(v)
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!))
    }
    if (low.get(v) !== index.get(v)) return
    const component: string[] = []
    for (let w = stack.pop()!; ; w = stack.pop()!) {
      onStack.delete(w)
      component.push(w)
      if (w === v) break
    }
    if (component.length > 1) cycles.push(pathThrough(component.sort(), graph))
  }
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v)
  return cycles
}

/** One cycle through the component's first folder, for the message. */
function pathThrough(component: readonly string[], graph: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const inside = new Set(component)
  const start = component[0]!
  const previous = new Map<string, string>()
  const queue = [start]
  while (queue.length > 0) {
    const v = queue.shift()!
    for (const w of graph.get(v) ?? []) {
      if (!inside.has(w)) continue
      if (w === start) {
        const path = [start]
        for (let u = v; u !== start; u = previous.get(u)!) path.splice(1, 0, u)
        return [...path, start]
      }
      if (!previous.has(w)) {
        previous.set(w, v)
        queue.push(w)
      }
    }
  }
  return [...component, start]
}

/** Every .ts/.tsx file under the given top folders of the repository. */
export function readTree(root: string, tops: readonly string[]): SourceFile[] {
  const out: SourceFile[] = []
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(root, dir), {withFileTypes: true})) {
      const path = `${dir}/${entry.name}`
      if (entry.isDirectory()) walk(path)
      else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push({path, text: readFileSync(join(root, path), 'utf8')})
    }
  }
  for (const top of tops) walk(top)
  return out.sort((a, b) => (a.path < b.path ? -1 : 1))
}

export function repoRelative(root: string, path: string): string {
  return relative(root, path).split('\\').join('/')
}
