// The CLI as one bundle (plus lazy chunks per command): loading ~60 small
// modules and their dependencies cost ~0.08 s on every `nslab` start, a
// fixed cost that counts against small labs (see README, Performance).
// CommonJS, so that V8's code cache can be used on Node 20 (src/cli/code-cache.ts).
// The library (dist/index.js) stays unbundled ES modules, as tsc writes it.
import { defineConfig } from 'rolldown';

export default defineConfig({
  input: 'dist/cli/main.js',
  platform: 'node',
  // Native or heavy, and only `nslab bench` charts need them: resolved at run time.
  external: ['@resvg/resvg-js', 'echarts'],
  output: {
    // Two levels below the root, like dist/cli: the CLI reads ../../package.json for its version.
    dir: 'dist/bundle',
    format: 'cjs',
    entryFileNames: '[name].cjs',
    chunkFileNames: '[name]-[hash].cjs',
  },
});
