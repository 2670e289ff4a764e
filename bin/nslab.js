#!/usr/bin/env node
// The nslab command. The TypeScript sources are compiled to dist/ by
// `npm ci` (the `prepare` script) or `npm run build`.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('nslab: dist/ is missing; run `npm run build` (or `npm ci`) in the nslab checkout first.\n');
  process.exit(4);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv);
