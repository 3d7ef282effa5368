// Samples of what processes and the machine use, for run.json `resources` (records/resources.ts):
// this process's own rusage, and the machine's cumulative CPU times.
import {closeSync, openSync, readSync} from 'node:fs'
import {cpus} from 'node:os'
import type {CpuSample, ProcessUsage} from '../records/resources.js'

export function ownUsage(): ProcessUsage {
  const u = process.resourceUsage()
  return {userMs: round(u.userCPUTime / 1000), systemMs: round(u.systemCPUTime / 1000), maxRssKb: u.maxRSS}
}

export function sampleCpus(): CpuSample {
  return procStat() ?? osCpus()
}

// os.cpus() also reads /proc/cpuinfo (models, speeds) on every call: ~1 ms. The first line of
// /proc/stat has the same totals (USER_HZ ticks, 10 ms each on Linux).
let statUnavailable = false
let cpuCount: number | undefined
const statBuffer = Buffer.alloc(4096)

function procStat(): CpuSample | null {
  if (statUnavailable) return null
  try {
    // Only the head of the file: its `intr` line is thousands of numbers long.
    const fd = openSync('/proc/stat', 'r')
    let text: string
    try {
      const n = readSync(fd, statBuffer, 0, statBuffer.length, 0)
      text = statBuffer.toString('latin1', 0, n)
    } finally {
      closeSync(fd)
    }
    const first = text.slice(0, text.indexOf('\n')).trim().split(/\s+/)
    if (first[0] !== 'cpu') throw new Error('no cpu line')
    const [user, nice, sys, idle, iowait, irq, softirq, steal] = first.slice(1, 9).map((x) => Number(x) * 10)
    const busyMs = user! + nice! + sys! + irq! + (softirq ?? 0) + (steal ?? 0)
    cpuCount ??= cpus().length
    return {busyMs, totalMs: busyMs + idle! + (iowait ?? 0), cpus: cpuCount}
  } catch {
    statUnavailable = true
    return null
  }
}

function osCpus(): CpuSample {
  let busyMs = 0
  let totalMs = 0
  const all = cpus()
  for (const c of all) {
    const t = c.times
    busyMs += t.user + t.nice + t.sys + t.irq
    totalMs += t.user + t.nice + t.sys + t.irq + t.idle
  }
  return {busyMs, totalMs, cpus: all.length}
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000
}
