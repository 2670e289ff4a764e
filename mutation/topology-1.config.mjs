// One part of `npm run mutation` (see the README): run with `npx stryker run mutation/topology-1.config.mjs`.
import base from '../stryker.config.mjs';
export default { ...base, mutate: ["src/topology/build.ts", "src/topology/checks.ts", "src/topology/warnings.ts", "src/topology/netem.ts", "src/topology/schema.ts", "src/topology/structure.ts"], reporters: ['progress', 'json'],
  jsonReporter: { fileName: 'reports/parts/topology-1.json' }, incrementalFile: 'reports/parts/topology-1-incremental.json', tempDirName: '.stryker-tmp-topology-1' };
