// Starts node processes on this host. Each child gets a stdin pipe it watches (--parent-watch):
// if the orchestrator dies, even by SIGKILL, the pipe closes and the node exits on its own.
import {spawn, type ChildProcess} from 'node:child_process'
import {createWriteStream, existsSync, mkdirSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

export interface NodeProcess {
  readonly node: number
  readonly child: ChildProcess
  readonly exited: Promise<number | null>
  readonly logFile: string
}

/**
 * The node entry point next to this module: the one-file bundle `npm run build` writes (a node
 * starts in a fraction of the CPU: scripts/bundle-node.js), the compiled .js, or .ts when running
 * from sources (tsx). A bundle older than main.js (tsc run alone after a build) is stale: skipped.
 */
export function nodeEntry(): {execArgv: string[]; script: string} {
  const js = fileURLToPath(new URL('../node/main.js', import.meta.url))
  const bundle = fileURLToPath(new URL('../node/main.bundle.js', import.meta.url))
  if (existsSync(js) && existsSync(bundle) && statSync(bundle).mtimeMs >= statSync(js).mtimeMs) return {execArgv: [], script: bundle}
  if (existsSync(js)) return {execArgv: [], script: js}
  const ts = fileURLToPath(new URL('../node/main.ts', import.meta.url))
  if (existsSync(ts)) return {execArgv: ['--import', 'tsx'], script: ts}
  throw new Error(`node entry point not found next to ${import.meta.url}: run \`npm run build\``)
}

/** `env`: added to the node's environment (the Redis URL goes there, not in argv: `ps` shows argv to every local user). */
export function spawnNode(node: number, env: Readonly<Record<string, string>>, runId: string, logDir: string, incarnation = 0): NodeProcess {
  mkdirSync(logDir, {recursive: true})
  const {execArgv, script} = nodeEntry()
  const logFile = join(logDir, incarnation === 0 ? `node-${node}.log` : `node-${node}.${incarnation}.log`)
  const log = createWriteStream(logFile, {flags: 'a'})
  const child = spawn(process.execPath, [...execArgv, ...profilingArgv(), script, '--run', runId, '--id', String(node), '--incarnation', String(incarnation), '--parent-watch'], {
    env: {...process.env, ...env},
    stdio: ['pipe', 'pipe', 'pipe'],
    // Own process group: a terminal's Ctrl-C reaches only the orchestrator, which stops nodes in order.
    detached: true,
  })
  child.stdout?.pipe(log, {end: false})
  child.stderr?.pipe(log, {end: false})
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code, signal) => {
      log.end(`[cmm] node ${node} exited with ${signal ?? code}\n`)
      resolve(code)
    })
    child.once('error', (error) => {
      log.end(`[cmm] node ${node} could not start: ${error.message}\n`)
      resolve(null)
    })
  })
  return {node, child, exited, logFile}
}

/**
 * CMM_NODE_EXEC_ARGV (space-separated) goes to every node's `node` command line: how a profile of
 * the node processes is taken (`--cpu-prof --cpu-prof-dir=DIR`; NODE_OPTIONS refuses --cpu-prof).
 */
function profilingArgv(): string[] {
  return (process.env.CMM_NODE_EXEC_ARGV ?? '').split(' ').filter((a) => a !== '')
}

/** Waits for the processes to exit; after `graceMs` SIGKILLs what is left. */
export async function reapNodes(nodes: readonly NodeProcess[], graceMs: number): Promise<void> {
  const timer = setTimeout(() => {
    for (const n of nodes) if (n.child.exitCode === null && n.child.signalCode === null) n.child.kill('SIGKILL')
  }, graceMs)
  await Promise.all(nodes.map((n) => n.exited))
  clearTimeout(timer)
}

export function killNodes(nodes: readonly NodeProcess[]): void {
  for (const n of nodes) if (n.child.exitCode === null && n.child.signalCode === null) n.child.kill('SIGKILL')
}
