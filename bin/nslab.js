#!/usr/bin/env node
// The nslab command. The TypeScript sources are compiled to dist/ and the
// CLI bundled into dist/bundle by `npm ci` (the `prepare` script) or
// `npm run build`.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../dist/bundle/main.cjs', import.meta.url));
if (!existsSync(entry)) {
  process.stderr.write('nslab: dist/ is missing; run `npm run build` (or `npm ci`) in the nslab checkout first.\n');
  process.exit(4);
}
// `nslab … | head` closes the pipe early. That is the reader's choice, not
// an error, and must not stop a deploy halfway: drop further output instead.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') throw e;
  });
}
// V8's code cache for the bundle (src/cli/code-cache.ts): ≈ 0.1 s less per command.
const { installCodeCache } = await import('../dist/cli/code-cache.js');
installCodeCache(fileURLToPath(new URL('../dist/bundle', import.meta.url)));
const { main } = createRequire(import.meta.url)(entry);
process.exitCode = await main(process.argv);
