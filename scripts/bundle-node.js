#!/usr/bin/env node
// Writes dist/src/node/main.bundle.js: the node process's entry (dist/src/node/main.js) with
// everything it imports, ioredis and yaml included, in one file. Run by `npm run build` after
// tsc. Why: every node process resolved, read and compiled ~190 separate files before its first
// op (~0.25 CPU-s each; issue 12); one file costs a fraction of that. spawn.ts starts local nodes
// from it; `cmm node` (a node on another host) still loads the plain modules.
// The bundle sits next to main.js so that paths taken from import.meta.url (the Lua scripts,
// three levels up) resolve as they do from the modules it replaces.
import {build} from 'esbuild'

const entry = new URL('../dist/src/node/main.js', import.meta.url)
const outfile = new URL('../dist/src/node/main.bundle.js', import.meta.url)

await build({
  entryPoints: [entry.pathname],
  outfile: outfile.pathname,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // ioredis and its dependencies are CommonJS: their require() of Node's modules needs a real one.
  banner: {js: "import {createRequire as __cmmCreateRequire} from 'node:module'; const require = __cmmCreateRequire(import.meta.url);"},
  logLevel: 'warning',
})
process.stdout.write('dist/src/node/main.bundle.js: node entry bundled\n')
