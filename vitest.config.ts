import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests share one kernel; keep their load honest on 2 cores.
    maxWorkers: 2,
    globalSetup: ['test/integration/global-setup.ts'],
  },
});
