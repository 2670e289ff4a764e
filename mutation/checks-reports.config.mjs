// One part of `npm run mutation` (see the README): run with `npx stryker run mutation/checks-reports.config.mjs`.
import base from '../stryker.config.mjs';
export default { ...base, mutate: ["src/checks/parse.ts", "src/checks/evaluate.ts", "src/checks/select.ts", "src/checks/commands.ts", "src/checks/result.ts", "src/report/**/*.ts", "!src/report/bench-chart.ts"], reporters: ['progress', 'json'],
  jsonReporter: { fileName: 'reports/parts/checks-reports.json' }, incrementalFile: 'reports/parts/checks-reports-incremental.json', tempDirName: '.stryker-tmp-checks-reports' };
