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
  const child = spawn(process.execPath, [...execArgv, ...profilingArgv(), script, '--run', runId, '--id', String(node), '--incarnation', String(incarnation), '--parent-watch'], {
    env: {...process.env, ...env},
    stdio: ['pipe', 'pipe', 'pipe'],
    // Own process group: a terminal's Ctrl-C reaches only the orchestrator, which stops nodes in order.
    detached: true,
  })
  const exited = logOutput(child, logFile, `node ${node}`)
  return {node, child, exited, logFile}
}

/**
 * Appends the child's stdout and stderr to `logFile`, then a last line saying how it ended; resolves
 * with its exit code (null: killed by a signal, or could not start) once it has exited and its
 * output is all in the log.
 */
export function logOutput(child: ChildProcess, logFile: string, name: string): Promise<number | null> {
  const log = createWriteStream(logFile, {flags: 'a'})
  child.stdout?.pipe(log, {end: false})
  child.stderr?.pipe(log, {end: false})
  // A log is best effort: failing to write it (a full disk) must not end the run.
  log.on('error', () => {})
  // The stream closes after its last write reached the file, or after an error.
  const closed = new Promise<void>((resolve) => log.once('close', resolve))
  const last = (line: string, code: number | null): Promise<number | null> => {
    if (!log.writableEnded) log.end(line)
    return closed.then(() => code)
  }
  return new Promise<number | null>((resolve) => {
    // 'close', not 'exit': 'exit' can come before the child's stdout and stderr are drained, and
    // ending the log there let their last chunks hit an ended stream (ERR_STREAM_WRITE_AFTER_END,
    // an unhandled error that killed the orchestrator before it wrote run.json: seen under load
    // when a Redis restart made both nodes exit at once).
    child.once('close', (code, signal) => void last(`[cmm] ${name} exited with ${signal ?? code}\n`, code).then(resolve))
    child.once('error', (error) => void last(`[cmm] ${name} could not start: ${error.message}\n`, null).then(resolve))
  })
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

/** How a child process ended, for messages: `exited with status 1`, `was killed by SIGKILL` (its exit code is then null). */
export function howItEnded(child: {readonly exitCode: number | null; readonly signalCode: string | null}): string {
  if (child.exitCode !== null) return `exited with status ${child.exitCode}`
  if (child.signalCode !== null) return `was killed by ${child.signalCode}`
  return 'ended'
}
