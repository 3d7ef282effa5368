// PING round trips sampled from a process of their own while a run goes on, so a figure's ratio
// has a baseline that sees the same machine (CPU contention, Redis's load) as what it measures,
// as figure 4's interleaved PINGs do, without the run's orchestrator (in the bench process)
// delaying the replies. argv: REDIS_URL INTERVAL_MS. Samples until its stdin closes, then prints
// {"samples": [µs, ...]}.
import {Redis} from 'ioredis'
import {spawn} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {nowUsFine} from './figure.js'

/** A pinger child: `stop()` ends it and resolves its samples (µs). */
export function startPinger(url: string, intervalMs = 2): {stop: () => Promise<number[]>} {
  const script = fileURLToPath(new URL('./ping-child.js', import.meta.url))
  const child = spawn(process.execPath, [script, url, String(intervalMs)], {stdio: ['pipe', 'pipe', 'pipe']})
  let out = ''
  let err = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const exited = new Promise<number[]>((resolve, reject) => {
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`pinger exited ${code}: ${err.trim().split('\n')[0] ?? ''}`))
      else resolve((JSON.parse(out) as {samples: number[]}).samples)
    })
  })
  return {
    stop: () => {
      child.stdin.end()
      return exited
    },
  }
}

async function main(): Promise<void> {
  const [url, intervalArg] = process.argv.slice(2)
  if (url === undefined || intervalArg === undefined) throw new Error('usage: ping-child URL INTERVAL_MS')
  const redis = new Redis(url, {maxRetriesPerRequest: 1})
  let open = true
  process.stdin.on('end', () => (open = false))
  process.stdin.resume()
  const samples: number[] = []
  try {
    await redis.ping()
    // Bounded: one sample per interval, and at most 10 minutes' worth.
    while (open && samples.length < 300_000) {
      const t = nowUsFine()
      await redis.ping()
      samples.push(nowUsFine() - t)
      await new Promise((r) => setTimeout(r, Number(intervalArg)))
    }
    process.stdout.write(`${JSON.stringify({samples})}\n`)
  } finally {
    redis.disconnect()
  }
}

if (process.argv[1]?.endsWith('ping-child.js')) await main()
