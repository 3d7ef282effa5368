// Starts a private redis-server on a free loopback port (or, `unixSocket`, on a Unix socket only). The server is wrapped in a small
// shell watchdog that kills it when our process goes away (its stdin pipe closes), so a
// crashed or SIGKILLed orchestrator or test never leaves a redis-server behind.
import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {createServer} from 'node:net'
import {mkdirSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'

export interface RedisServer {
  /** What clients connect to: redis://127.0.0.1:PORT, or the socket's path. */
  readonly url: string
  /** 0 for a Unix-socket server (no TCP listener). */
  readonly port: number
  /** The Unix socket it also listens on (`socketPath` option), or null. */
  readonly socket: string | null
  readonly pid: number
  /** How it was started: a restart starts it again the same way (same port, folder, persistence). */
  readonly options: RedisServerOptions
  /** Stops the server (SIGTERM, then SIGKILL after a grace period). Idempotent. */
  stop(): Promise<void>
  /** Kills it abruptly (SIGKILL): what it had not persisted is lost. */
  kill(): Promise<void>
}

export class RedisNotInstalledError extends Error {
  constructor() {
    super('redis-server was not found on PATH. Install it (Debian/Ubuntu: `apt-get install redis-server`, macOS: `brew install redis`) or pass --redis URL to use a running Redis.')
  }
}

export function redisServerAvailable(): boolean {
  return spawnSync('redis-server', ['--version'], {stdio: 'ignore'}).status === 0
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      if (addr === null || typeof addr === 'string') return reject(new Error('no port'))
      srv.close(() => resolve(addr.port))
    })
  })
}

// `read` returns when the parent closes the pipe (exit, crash, SIGKILL): then the server goes.
// stdin is saved on fd 3 because sh gives background jobs /dev/null as stdin. USR1 = SIGKILL it.
// The program (redis-server or redis-sentinel) is the first argument.
const WATCHDOG = [
  'exec 3<&0',
  'prog="$1"; shift',
  '"$prog" "$@" & r=$!',
  'trap \'kill $r 2>/dev/null; wait $r\' TERM INT',
  'trap \'kill -9 $r 2>/dev/null; wait $r\' USR1',
  '(read _ <&3; kill $r 2>/dev/null) &',
  'wait $r',
].join('\n')

export interface RedisServerOptions {
  readonly port?: number
  /** Listen on a socket only (in the server's own folder). */
  readonly unixSocket?: boolean
  /**
   * Listen on TCP and also on this socket, whose folder the caller owns and keeps across a
   * restart (local clients then use the cheaper socket, and find it again after restartRedisServer).
   */
  readonly socketPath?: string
  readonly startTimeoutMs?: number
  /** Keep the server's files here (the run's folder: AOF, sentinel config); default a temp folder removed on stop. */
  readonly dir?: string
  /** More redis-server arguments (persistence, --replicaof, ...). */
  readonly args?: readonly string[]
  /** `redis-sentinel`: `configFile` is then its (writable) configuration file. */
  readonly program?: 'redis-server' | 'redis-sentinel'
  readonly configFile?: string
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  if (!redisServerAvailable()) throw new RedisNotInstalledError()
  const timeoutMs = options.startTimeoutMs ?? 10_000
  const deadline = Date.now() + timeoutMs
  let lastError = ''
  // A free port can be taken between probing and binding: retry a few times.
  for (let attempt = 0; attempt < 5 && Date.now() < deadline; attempt++) {
    const port = options.unixSocket ? 0 : (options.port ?? (await freePort()))
    const keepDir = options.dir !== undefined
    const dir = keepDir ? resolve(options.dir!) : mkdtempSync(join(tmpdir(), 'cmm-redis-'))
    mkdirSync(dir, {recursive: true})
    // The socket lives in the server's own folder, removed with it.
    const socket = options.unixSocket ? join(dir, 'redis.sock') : null
    const also = options.socketPath === undefined ? [] : ['--unixsocket', options.socketPath, '--unixsocketperm', '700']
    const listen = socket === null ? ['--port', String(port), '--bind', '127.0.0.1', ...also] : ['--port', '0', '--unixsocket', socket, '--unixsocketperm', '700']
    const program = options.program ?? 'redis-server'
    const persistence = options.args ?? ['--appendonly', 'no']
    const config = options.configFile === undefined ? [] : [options.configFile]
    const args = [...config, ...listen, '--save', '', ...persistence, '--dir', dir, '--daemonize', 'no', '--protected-mode', 'yes', '--loglevel', 'warning']
    // detached: its own process group, so a terminal's Ctrl-C does not kill Redis under a run that is stopping.
    const child = spawn('sh', ['-c', WATCHDOG, 'cmm-redis', program, ...args], {stdio: ['pipe', 'ignore', 'pipe'], detached: true})
    let stderr = ''
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
    const target = socket === null ? {port, host: '127.0.0.1'} : {path: socket}
    const up = await waitForPong(target, child, deadline)
    if (up) return handle(port, socket, child, keepDir ? null : dir, options)
    lastError = stderr.trim() || `${program} did not listen on ${socket ?? `port ${port}`}`
    child.kill('SIGKILL')
    if (!keepDir) rmSync(dir, {recursive: true, force: true})
    if (options.port !== undefined || socket !== null) break
  }
  throw new Error(`could not start redis-server: ${lastError}`)
}

/** `tempDir`: a folder of ours to remove on stop (null: the caller's folder, kept). */
function handle(port: number, socket: string | null, child: ChildProcess, tempDir: string | null, options: RedisServerOptions): RedisServer {
  let stopped: Promise<void> | null = null
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const end = (signal: NodeJS.Signals) => {
    stopped ??= (async () => {
      child.kill(signal)
      child.stdin?.end()
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
      await exited
      clearTimeout(timer)
      if (tempDir !== null) rmSync(tempDir, {recursive: true, force: true})
    })()
    return stopped
  }
  return {
    url: socket ?? `redis://127.0.0.1:${port}`,
    port,
    socket: socket ?? options.socketPath ?? null,
    pid: child.pid ?? -1,
    options,
    stop: () => end('SIGTERM'),
    kill: () => end('SIGUSR1'),
  }
}

async function waitForPong(target: {port: number; host: string} | {path: string}, child: ChildProcess, deadline: number): Promise<boolean> {
  const {connect} = await import('node:net')
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return false
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(target)
      s.once('connect', () => {
        s.write('PING\r\n')
        s.once('data', (d) => {
          s.destroy()
          resolve(d.toString().startsWith('+PONG'))
        })
      })
      s.once('error', () => resolve(false))
    })
    if (ok) return true
    await new Promise((r) => setTimeout(r, 25))
  }
  return false
}

/**
 * Kills the server abruptly (SIGKILL) and starts it again on the same port, folder and
 * persistence settings, as a crashed-and-restarted lock service comes back (chaos
 * `restart-redis`). Clients reconnect on their own. Without persistence its state is gone (the
 * run's epoch key with it: that is how nodes learn it); with AOF it reloads what it had written.
 */
export async function restartRedisServer(server: RedisServer): Promise<RedisServer> {
  // A socket server's path dies with its folder; only TCP servers are restarted (chaos).
  if (server.port === 0) throw new Error(`restartRedisServer: ${server.url} is a Unix-socket server; only TCP servers restart on the same address`)
  await server.kill()
  return startRedisServer({...server.options, port: server.port})
}
