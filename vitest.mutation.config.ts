// The unit tests as mutation testing runs them (StrykerJS, `npm run mutation`):
// no root, no global leak check, and without the fuzz and timing tests, which
// cover everything slowly and would run against every mutant.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    exclude: ['test/unit/fuzz.test.ts', 'test/unit/parse-speed.test.ts'],
    testTimeout: 30_000,
  },
});
