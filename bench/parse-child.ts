// Child of bench/workload-parse.ts: parses one workload file and prints what it cost, measured
// in a fresh process so that peak RSS is the parse's own (over the process's RSS before it).
import {loadWorkload} from '../src/workload/parse.js'

const file = process.argv[2]!
// The RSS now, not the peak so far: module loading can peak above what the parse adds, and a
// peak-over-peak difference then reads 0 MB (the 2026-12-06 table did).
const rssBeforeKb = process.memoryUsage().rss / 1024
const t = performance.now()
const workload = loadWorkload(file)
const ms = performance.now() - t
const steps = workload.nodes.reduce((s, n) => s + n.length, 0)
process.stdout.write(JSON.stringify({ms, rssBeforeKb, peakRssKb: process.resourceUsage().maxRSS, steps}) + '\n')
