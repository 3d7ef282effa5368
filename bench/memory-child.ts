// Child of bench/orchestrator-memory.ts: one whole `cmm run workload` (executeRun: run, write the
// results folder, judge) of a generated mix in a fresh process, so its peak RSS is the
// orchestrator's own; prints it with the ops the run did and the judge child's peak.
import {executeRun} from '../src/cluster/execute.js'
import {parseWorkload} from '../src/workload/index.js'
import {mixYaml} from './mix-runs.js'

const [seconds, outDir, redisUrl] = [Number(process.argv[2]), process.argv[3]!, process.argv[4]]
const workload = parseWorkload(mixYaml({nodes: 2, read: 60, write: 30, copy: 10, pages: 'zipf', files: {a: 16, b: 16}, seconds}), 'bench-memory.yaml')
const {run, summary, judgeMaxRssKb} = await executeRun({workload, seed: 7, outDir, livenessMs: 20_000, ...(redisUrl ? {redisUrl} : {})})
if (run.end !== 'completed') throw new Error(`memory bench run ended ${run.end}: ${run.errors.map((e) => e.message).join('; ')}`)
process.stdout.write(JSON.stringify({peakRssKb: process.resourceUsage().maxRSS, ops: summary.ops, valid: summary.checks.valid, judgeMaxRssKb}) + '\n')
