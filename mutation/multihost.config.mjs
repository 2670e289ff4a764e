// One part of `npm run mutation` (see the README): run with `npx stryker run mutation/multihost.config.mjs`.
import base from '../stryker.config.mjs';
export default { ...base, mutate: ["src/multihost/**/*.ts", "!src/multihost/deploy.ts"], reporters: ['progress', 'json'],
  jsonReporter: { fileName: 'reports/parts/multihost.json' }, incrementalFile: 'reports/parts/multihost-incremental.json', tempDirName: '.stryker-tmp-multihost' };
