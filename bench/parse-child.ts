// Child of bench/workload-parse.ts: parses one workload file and prints what it cost, measured
// in a fresh process so that peak RSS is the parse's own (over the process's RSS before it).
import {readFileSync, writeFileSync} from 'node:fs'
import {loadWorkload} from '../src/workload/parse.js'

/** VmHWM (peak RSS, KiB) of this process from /proc; null off Linux. */
function peakRssKb(): number | null {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))
    return m ? Number(m[1]) : null
  } catch {
    return null
  }
}

/**
 * Resets the peak RSS to the current RSS (Linux: `5` to /proc/self/clear_refs), so that the peak
 * read after the parse is the parse's own: module loading can peak higher than the parse adds, and a
 * peak-over-peak difference then reads 0 MB (the 2026-12-06 table did). False where it cannot.
 */
function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5')
    return true
  } catch {
    return false
  }
}

const file = process.argv[2]!
const reset = resetPeakRss()
// Without the reset, the RSS now (not the peak so far): then the peak after may still be loading's.
const rssBeforeKb = process.memoryUsage().rss / 1024
const t = performance.now()
const workload = loadWorkload(file)
const ms = performance.now() - t
const steps = workload.nodes.reduce((s, n) => s + n.length, 0)
const peakRssKbAfter = (reset ? peakRssKb() : null) ?? process.resourceUsage().maxRSS
process.stdout.write(JSON.stringify({ms, rssBeforeKb, peakRssKb: peakRssKbAfter, steps}) + '\n')
