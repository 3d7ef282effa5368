// Headless Chromium for checking and rendering the HTML report (Debian package `chromium`).
// The machines have no network: every background fetch is turned off.
import {spawnSync} from 'node:child_process'

export const CHROMIUM_FLAGS: readonly string[] = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
]

/** The chromium binary on PATH, or null when it is not installed. */
export function chromiumPath(): string | null {
  for (const name of ['chromium', 'chromium-browser']) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], {encoding: 'utf8'})
    if (r.status === 0 && r.stdout.trim() !== '') return r.stdout.trim()
  }
  return null
}
