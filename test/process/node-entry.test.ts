// Local node processes start from the one-file bundle `npm run build` writes (issue 12: each node
// spent ~0.25 CPU-s resolving and compiling ~190 separate files before its first op). The runs in
// test/cluster go through it; these say so explicitly, so that a build without the bundle fails here
// instead of silently costing every node its start-up again.
import {spawnSync} from 'node:child_process'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {describe, expect, it} from 'vitest'
import {assertBuilt, ROOT} from '../helpers/cli.js'

const BUNDLE = join(ROOT, 'dist/src/node/main.bundle.js')

describe('node entry', () => {
  it('the built spawn adapter starts nodes from the bundle', async () => {
    assertBuilt()
    const spawnModule = (await import(pathToFileURL(join(ROOT, 'dist/src/process/spawn.js')).href)) as typeof import('../../src/process/spawn.js')
    expect(spawnModule.nodeEntry()).toEqual({execArgv: [], script: BUNDLE})
  })

  it('the bundle loads on its own (ioredis, CommonJS, inside it) and refuses missing arguments with the usage exit', () => {
    assertBuilt()
    const r = spawnSync(process.execPath, [BUNDLE], {encoding: 'utf8', env: {...process.env, CMM_REDIS_URL: ''}})
    expect(r.stderr).toContain('usage: CMM_REDIS_URL=URL main.js --run RUN --id K')
    expect(r.status).toBe(2)
  })
})
