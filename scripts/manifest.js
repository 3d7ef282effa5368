#!/usr/bin/env node
// Writes oclif.manifest.json (what `oclif manifest` writes) from the compiled commands in dist/,
// so that `cmm --help`, `cmm --version` and command lookup load no command code. Run by
// `npm run build` (and so by `prepare` and `npm test`) after tsc; the file is gitignored.
// @oclif/core's Plugin does the work; the `oclif` dev CLI would add ~100 packages for this.
import {writeFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {Plugin} from '@oclif/core'

const root = fileURLToPath(new URL('..', import.meta.url))
// oclif reads TypeScript sources in development/test mode; the manifest describes dist/.
process.env.NODE_ENV = 'production'
const plugin = new Plugin({root, type: 'core', isRoot: true, ignoreManifest: true, errorOnManifestCreate: true})
await plugin.load()
const count = Object.keys(plugin.manifest.commands).length
if (count === 0) throw new Error('oclif manifest: no commands found in dist/commands (run tsc first)')
writeFileSync(new URL('../oclif.manifest.json', import.meta.url), JSON.stringify(plugin.manifest, null, 2) + '\n')
process.stdout.write(`oclif.manifest.json: ${count} commands, version ${plugin.manifest.version}\n`)
