// Runs a command in a real terminal: a detached tmux session on a private tmux server (its own
// socket, so it never touches a user's tmux), with capture-pane to read the screen. Used by the
// live view's terminal test, the TUI benchmark and scripts/screenshots.sh.
import {execFileSync, spawnSync} from 'node:child_process'
import {randomBytes} from 'node:crypto'

export function tmuxAvailable(): boolean {
  return spawnSync('tmux', ['-V']).status === 0
}

export interface TmuxRun {
  /** The visible screen (and `history` lines of scrollback above it); `ansi`: with colour escapes. */
  capture(history?: number, ansi?: boolean): string
  keys(...keys: string[]): void
  /** Polls the screen until `re` matches (bounded by `ms`). */
  waitFor(re: RegExp, ms: number, history?: number): Promise<boolean>
  /** The command's exit status once it has ended (it prints `EXIT=N` last), else null. */
  exitCode(): number | null
  kill(): void
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`
}

export function runInTmux(argv: readonly string[], options: {cwd: string; width: number; height: number; env?: Record<string, string>}): TmuxRun {
  const socket = `cmm-${process.pid}-${randomBytes(3).toString('hex')}`
  const env = Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${shellQuote(v)} `).join('')
  // The session outlives the command (sleep) so that its last screen can still be captured.
  // It stands in for a user's terminal, so CI variables of the runner (which make Ink draw only
  // the last frame) are removed unless `env` sets them again.
  const script = `cd ${shellQuote(options.cwd)} && env -u CI -u CONTINUOUS_INTEGRATION ${env}${argv.map(shellQuote).join(' ')}; echo "EXIT=$?"; sleep 600`
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], {encoding: 'utf8'})
  tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'cmm', '-x', String(options.width), '-y', String(options.height), script)
  tmux('set-option', '-t', 'cmm', 'history-limit', '5000')
  const capture = (history = 0, ansi = false) => tmux('capture-pane', '-p', ...(ansi ? ['-e'] : []), '-t', 'cmm', ...(history > 0 ? ['-S', String(-history)] : []))
  return {
    capture,
    keys: (...keys) => void tmux('send-keys', '-t', 'cmm', ...keys),
    async waitFor(re, ms, history = 0) {
      const end = Date.now() + ms
      for (;;) {
        if (re.test(capture(history))) return true
        if (Date.now() > end) return false
        await new Promise((r) => setTimeout(r, 100))
      }
    },
    exitCode() {
      const m = /^EXIT=(\d+)$/m.exec(capture(2000))
      return m ? Number(m[1]) : null
    },
    kill() {
      spawnSync('tmux', ['-L', socket, 'kill-server'])
    },
  }
}
