// One part of `npm run mutation` (see the README): run with `npx stryker run mutation/compile-render.config.mjs`.
import base from '../stryker.config.mjs';
export default { ...base, mutate: ["src/compile/**/*.ts", "src/render/**/*.ts", "src/diagnostics.ts", "src/netlink/encode.ts", "src/netlink/messages.ts"], reporters: ['progress', 'json'],
  jsonReporter: { fileName: 'reports/parts/compile-render.json' }, incrementalFile: 'reports/parts/compile-render-incremental.json', tempDirName: '.stryker-tmp-compile-render' };
