import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // Native calls use OpenMP threads; separate processes keep one file's threads from starving another's.
    pool: 'forks',
    maxWorkers: 2,
  },
});
