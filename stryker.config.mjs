// Mutation testing of the pure core: small realistic bugs put into the
// source one at a time; a mutant the unit tests do not notice is a test that
// is missing. `npm run mutation` fails below the floor (thresholds.break).
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts' },
  mutate: [
    'src/topology/**/*.ts',
    'src/compile/**/*.ts',
    'src/render/**/*.ts',
    'src/checks/parse.ts',
    'src/checks/evaluate.ts',
    'src/checks/select.ts',
    'src/checks/commands.ts',
    'src/checks/result.ts',
    'src/report/**/*.ts',
    '!src/report/bench-chart.ts',
    'src/diagnostics.ts',
    // The rtnetlink requests the in-process path sends (pure; native.ts is its effectful shell).
    'src/netlink/encode.ts',
    'src/netlink/messages.ts',
    // The multi-host planner and the ssh command line (pure); deploy.ts is their effectful shell.
    'src/multihost/**/*.ts',
    '!src/multihost/deploy.ts',
  ],
  coverageAnalysis: 'perTest',
  ignoreStatic: true,
  concurrency: 2,
  thresholds: { high: 90, low: 85, break: 85 },
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  // Reruns test only the mutants whose code or covering tests changed.
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
};
