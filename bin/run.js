#!/usr/bin/env node
// `cmm --version` answers before @oclif/core is imported: importing it alone costs about twice
// a bare node start (BENCHMARKS.md, the CLI start-up figure). The text is oclif's own
// (config.userAgent, checked against it by test/cli/version.test.ts); everything else,
// `--help` included, goes through oclif, which reads oclif.manifest.json and loads no command.
if (process.argv[2] === '--version') {
  const {readFileSync} = await import('node:fs')
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(`${pkg.oclif.bin}/${pkg.version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else {
  const {execute} = await import('@oclif/core')
  // oclif looks for TypeScript sources when NODE_ENV is development or test (as under a test
  // runner or in a user's CI); the built CLI always runs dist/ (bin/dev.js runs the sources).
  process.env.NODE_ENV = 'production'
  await execute({dir: import.meta.url})
}
