// Preloaded into the CLI by bench/tui.ts (`node --import dist/bench/cpu-at-exit.js bin/run.js ...`):
// writes the process's own CPU time to $CMM_CPU_FILE when it exits, so the benchmark can tell
// what the orchestrator (and its live view) cost, apart from the nodes and redis-server.
import {writeFileSync} from 'node:fs'

const file = process.env.CMM_CPU_FILE
if (file) {
  process.on('exit', () => {
    const {user, system} = process.cpuUsage()
    writeFileSync(file, JSON.stringify({cpuMs: (user + system) / 1000, wallMs: process.uptime() * 1000}))
  })
}
