// The CLI as one bundle (plus lazy chunks per command): loading ~60 small
// modules and their dependencies cost ~0.08 s on every `nslab` start, a
// fixed cost that counts against small labs (see README, Performance).
// The library (dist/index.js) stays unbundled, as tsc writes it.
import { defineConfig } from 'rolldown';

export default defineConfig({
  input: 'dist/cli/main.js',
  platform: 'node',
  // Native or heavy, and only `nslab bench` charts need them: resolved at run time.
  external: ['@resvg/resvg-js', 'echarts'],
  output: {
    // Two levels below the root, like dist/cli: the CLI reads ../../package.json for its version.
    dir: 'dist/bundle',
    format: 'esm',
  },
});
