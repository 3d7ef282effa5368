#!/usr/bin/env node
import {execute} from '@oclif/core'

// oclif looks for TypeScript sources when NODE_ENV is development or test (as under a test
// runner or in a user's CI); the built CLI always runs dist/ (bin/dev.js runs the sources).
process.env.NODE_ENV = 'production'

await execute({dir: import.meta.url})
