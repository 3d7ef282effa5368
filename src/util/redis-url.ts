// A Redis address as the user gave it (`redis://[user:password@]host:port[/db]`, `rediss://...`,
// or a Unix socket path) and what may be shown of it: the password never leaves the process
// that was given it except through the environment of the nodes it spawns (not argv, which `ps`
// shows to every local user), and every message that could echo it is scrubbed.

/** Environment variable that gives the Redis URL (read by `cmm run workload`, `cmm node`, `cmm chaos`, `cmm clean`). */
export const REDIS_URL_ENV = 'CMM_REDIS_URL'

/** What a redacted password is shown as. */
export const REDACTED = '***'

export class RedisUrlError extends Error {}

const SENTINEL_SCHEME = 'redis-sentinel://'

/**
 * `redis-sentinel://HOST:PORT,HOST:PORT,.../NAME` (a `--redis-topology sentinel` run): the
 * Sentinels to ask for the current primary of NAME. Null for any other URL.
 */
export function parseSentinelUrl(url: string): {sentinels: {host: string; port: number}[]; name: string} | null {
  if (!url.startsWith(SENTINEL_SCHEME)) return null
  const rest = url.slice(SENTINEL_SCHEME.length)
  const slash = rest.indexOf('/')
  const name = slash < 0 ? '' : rest.slice(slash + 1)
  const sentinels = (slash < 0 ? rest : rest.slice(0, slash)).split(',').map((hp) => {
    const colon = hp.lastIndexOf(':')
    return {host: hp.slice(0, colon), port: Number(hp.slice(colon + 1))}
  })
  if (name === '' || sentinels.some((s) => s.host === '' || !Number.isInteger(s.port) || s.port <= 0)) {
    throw new RedisUrlError(`bad Sentinel URL ${JSON.stringify(url)}: expected redis-sentinel://HOST:PORT,HOST:PORT/NAME`)
  }
  return {sentinels, name}
}

/** Passwords given to this process: scrubbed from any message shown. */
const secrets = new Set<string>()

/**
 * Checks a `--redis` value: a Unix socket path (starts with `/` or `.`) or a redis:// or
 * rediss:// URL with a host. Throws RedisUrlError naming what is wrong (the password redacted).
 */
export function checkRedisUrl(text: string): string {
  if (isSocketPath(text)) return text
  // A `--redis-topology sentinel` run's own address.
  if (parseSentinelUrl(text) !== null) return text
  const url = parseUrl(text)
  if (url === null) {
    throw new RedisUrlError(`not a Redis URL: ${JSON.stringify(scrubUnparsed(text))} (expected redis://host:port, rediss://host:port or a Unix socket path)`)
  }
  rememberSecrets(url)
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new RedisUrlError(`not a Redis URL: ${redactRedisUrl(text)} (scheme must be redis:// or rediss://)`)
  if (url.hostname === '') throw new RedisUrlError(`not a Redis URL: ${redactRedisUrl(text)} (no host)`)
  if (url.port !== '' && !(Number(url.port) >= 1 && Number(url.port) <= 65535)) throw new RedisUrlError(`not a Redis URL: ${redactRedisUrl(text)} (bad port)`)
  if (url.pathname !== '' && url.pathname !== '/' && !/^\/\d+$/.test(url.pathname)) throw new RedisUrlError(`not a Redis URL: ${redactRedisUrl(text)} (the path must be a database number)`)
  return text
}

function isSocketPath(text: string): boolean {
  return text.startsWith('/') || text.startsWith('.')
}

function parseUrl(text: string): URL | null {
  try {
    return new URL(text)
  } catch {
    return null
  }
}

function rememberSecrets(url: URL): void {
  if (url.password === '') return
  secrets.add(url.password)
  try {
    secrets.add(decodeURIComponent(url.password))
  } catch {
    // Not percent-encoded: the raw form is enough.
  }
}

/** The URL with its password replaced by `***` (a socket path or a URL without one: unchanged). */
export function redactRedisUrl(text: string): string {
  if (isSocketPath(text)) return text
  const url = parseUrl(text)
  if (url === null) return scrubUnparsed(text)
  rememberSecrets(url)
  if (url.password === '') return text
  url.password = REDACTED
  return url.toString().replace('%2A%2A%2A', REDACTED)
}

/** True when a shown URL had its password removed (the full URL must then come from elsewhere). */
export function isRedacted(text: string): boolean {
  return text.includes(`:${REDACTED}@`)
}

// Text that is not a URL may still hold `user:pass@`: hide whatever sits between `:` and `@`.
function scrubUnparsed(text: string): string {
  return text.replace(/:[^:@/]*@/g, `:${REDACTED}@`)
}

/** The message with every password this process was given replaced by `***`. */
export function hideSecrets(message: string): string {
  let out = message
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) out = out.split(secret).join(REDACTED)
  return out
}

/** The command that joins a node to a run; a URL with a password is given through the environment. */
export function nodeJoinCommand(shownUrl: string, runId: string, networkFaults = false): string {
  // A run with fault proxies: a node that joins without --network-faults is out of reach of `cmm chaos partition` and `delay`.
  const net = networkFaults ? ' --network-faults' : ''
  if (isRedacted(shownUrl)) return `${REDIS_URL_ENV}=${shownUrl} cmm node --run ${runId} --id K${net}  (the password in place of ***)`
  return `cmm node --redis ${shownUrl} --run ${runId} --id K${net}`
}
