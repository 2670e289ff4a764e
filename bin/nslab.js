#!/usr/bin/env node
// The nslab command. The TypeScript sources are compiled to dist/ and the
// CLI bundled into dist/bundle by `npm ci` (the `prepare` script) or
// `npm run build`.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/bundle/main.js', import.meta.url);
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
const { main } = await import(entry.href);
process.exitCode = await main(process.argv);
