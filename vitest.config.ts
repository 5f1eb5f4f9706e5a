import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // test files start sandboxes, a real Redis and a real database: two at a time on two cores
    maxWorkers: 2,
    // the App logs a JSON line per event: not in test output (FIXSENSE_QUIET=0 shows them)
    env: { FIXSENSE_QUIET: process.env.FIXSENSE_QUIET ?? '1' },
  },
});
