#!/usr/bin/env node
// Builds the in-process addon (native/netns.c → build/Release/nslab_netns.node)
// with the machine's C compiler and node's headers; no node-gyp, no download.
// `npm run build` tries it; without a compiler nslab keeps to `ip -batch`
// (or the prebuilt addon shipped for the platform), so this never fails the build.
//
//   node native/build.mjs              build/Release (tried by npm run build)
//   node native/build.mjs --prebuild   native/prebuilds/<platform>-<arch> (committed)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'native/netns.c');
const out = process.argv.includes('--prebuild')
  ? join(root, `native/prebuilds/${process.platform}-${process.arch}/nslab_netns.node`)
  : join(root, 'build/Release/nslab_netns.node');
// node's own headers: beside the running node, or where Debian's nodejs puts them
const headers = [join(dirname(dirname(process.execPath)), 'include/node'), '/usr/include/node'].find((d) => existsSync(join(d, 'node_api.h')));
const cc = process.env.CC ?? 'cc';
const note = (why) => {
  process.stderr.write(`nslab: in-process addon not built (${why}); namespaces are configured with ip -batch\n`);
  process.exit(process.argv.includes('--prebuild') ? 1 : 0);
};
if (process.platform !== 'linux') note('not Linux');
if (!headers) note("node's headers (node_api.h) not found");
// The source's hash goes into the binary: a test checks the shipped prebuild is current.
const hash = createHash('sha256').update(readFileSync(source)).digest('hex');
mkdirSync(dirname(out), { recursive: true });
const r = spawnSync(cc, ['-O2', '-Wall', '-Wextra', '-Werror', '-shared', '-fPIC', '-fvisibility=hidden', `-I${headers}`, '-DNODE_GYP_MODULE_NAME=nslab_netns', `-DNSLAB_SOURCE_HASH="${hash}"`, '-o', out, source, '-lpthread', '-s'], { stdio: ['ignore', 'inherit', 'inherit'] });
if (r.error) note(`${cc}: ${r.error.code === 'ENOENT' ? 'no C compiler' : r.error.message}`);
if (r.status !== 0) note(`${cc} exited with ${r.status}`);
