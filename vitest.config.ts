import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    disableConsoleIntercept: true,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Tests start real redis-servers and node processes; two cores: keep parallelism modest.
    pool: 'forks',
    maxWorkers: 2,
  },
})
