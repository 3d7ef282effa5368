// Appends to the run's spool files (record-store.ts) through a buffer bounded in characters and
// file descriptors kept open. Records arrive in small batches (a node posts one before every
// demote and write-back): an open, write and close per batch and kind was most of the
// orchestrator's time spent on records. Buffered text reaches disk when the buffer passes its
// bound, within FLUSH_EVERY_MS of being queued, and at close (the run's end, or its driver failing).
import {closeSync, openSync, writeSync} from 'node:fs'

/** Characters of record text held before they are written, all files together (records are ASCII: about bytes). */
const BUFFER_CHARS = 1 << 20
/** Queued text is written at least this soon. */
const FLUSH_EVERY_MS = 1000
/** Files kept open at once (a long chaos run has many processes, four files each); the least recently written is closed first. */
const MAX_OPEN = 64

export class SpoolWriter {
  /** Text queued per file, in order. */
  private readonly pending = new Map<string, string[]>()
  private chars = 0
  /** Open descriptors, least recently written first. */
  private readonly open = new Map<string, number>()
  private timer: NodeJS.Timeout | null = null

  constructor(private readonly limitChars = BUFFER_CHARS) {}

  /** Queues `text` (whole lines) for the end of the file at `path`. */
  append(path: string, text: string): void {
    let texts = this.pending.get(path)
    if (texts === undefined) this.pending.set(path, (texts = []))
    texts.push(text)
    this.chars += text.length
    if (this.chars >= this.limitChars) this.flush()
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_EVERY_MS).unref()
  }

  /** Writes everything queued, one write per file. */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    for (const [path, texts] of this.pending) writeSync(this.fd(path), texts.join(''))
    this.pending.clear()
    this.chars = 0
  }

  /** Writes everything queued and closes the files (appending again reopens them). */
  close(): void {
    this.flush()
    for (const fd of this.open.values()) closeSync(fd)
    this.open.clear()
  }

  private fd(path: string): number {
    const fd = this.open.get(path)
    this.open.delete(path)
    if (fd !== undefined) {
      this.open.set(path, fd)
      return fd
    }
    if (this.open.size >= MAX_OPEN) {
      const [oldest, oldFd] = this.open.entries().next().value!
      closeSync(oldFd)
      this.open.delete(oldest)
    }
    const opened = openSync(path, 'a')
    this.open.set(path, opened)
    return opened
  }
}
