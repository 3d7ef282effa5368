// Child of bench/workload-parse.ts: parses one workload file and prints what it cost, measured
// in a fresh process so that peak RSS is the parse's own (over the process's RSS before it).
import {loadWorkload} from '../src/workload/parse.js'

const file = process.argv[2]!
const rssBeforeKb = process.resourceUsage().maxRSS
const t = performance.now()
const workload = loadWorkload(file)
const ms = performance.now() - t
const steps = workload.nodes.reduce((s, n) => s + n.length, 0)
process.stdout.write(JSON.stringify({ms, rssBeforeKb, peakRssKb: process.resourceUsage().maxRSS, steps}) + '\n')
