// The progress line of a long search, on stderr (stdout stays the report): at most once a
// second, rewritten in place on a terminal, one line each otherwise (a log keeps them all).
import type {Progress} from './search.js'

/** `rate`: states per second since the previous line (the overall mean hides a slowdown). */
export function formatProgress(p: Progress, rate: number): string {
  return `searching: ${p.seconds.toFixed(0)} s, ${Math.round(rate).toLocaleString('en-US')} states/s, ${p.distinct.toLocaleString('en-US')} distinct, queue ${p.queue}, depth ${p.depth}`
}

let drawn = false

/** A progress callback that writes to stderr. */
export function progressLine(stream: NodeJS.WriteStream = process.stderr): (p: Progress) => void {
  let last = {seconds: 0, transitions: 0}
  return (p) => {
    const rate = p.seconds > last.seconds ? (p.transitions - last.transitions) / (p.seconds - last.seconds) : 0
    last = p
    if (stream.isTTY) {
      stream.write(`\r${formatProgress(p, rate)}\u001b[K`)
      drawn = true
    } else stream.write(`${formatProgress(p, rate)}\n`)
  }
}

/** Ends a line drawn in place, so the report starts on its own line. */
export function clearProgress(stream: NodeJS.WriteStream = process.stderr): void {
  if (drawn) stream.write('\r\u001b[K')
  drawn = false
}
