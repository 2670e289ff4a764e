#!/usr/bin/env node
// `npm run bench:growth` (root): how deploy time grows with the number of
// namespaces — nslab up/down of N bare nodes (a namespace each, loopback up)
// against the plain iproute2 script for the same lab (bench/reference.js),
// for N = 1000, 2000, 4000, 8000, alternating, one run each by default. Then
// what the kernel's cleanup after a teardown costs the next deploy: the
// 1000-node lab deployed once the CPUs are idle again, and once straight
// after `down`.
//
// SHAPE=stars puts the same N namespaces in stars of 1000 hosts, each star
// on a bridge of its own (one veth and one bridge port per host): whether
// the veths and ports grow as the namespaces alone do.
//
//   SIZES=1000,2000,4000 RUNS=1 npm run bench:growth
//   SHAPE=stars SIZES=1000,2000,4000 npm run bench:growth
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { creationPlan } from '../dist/compile/create.js';
import { loadTopology } from '../dist/topology/load.js';
import { leftovers, median, settle, timed } from './measure.js';
import { writeReference } from './reference.js';

const sizes = (process.env.SIZES ?? '1000,2000,4000,8000').split(',').map(Number);
const runs = Number(process.env.RUNS ?? 1);
const work = mkdtempSync(join(tmpdir(), 'nslab-growth-'));
// up to a minute: 8000 namespaces take their time to clean up
const settleLong = () => settle({ rounds: 240 });

const shape = process.env.SHAPE ?? 'bare';
if (!['bare', 'stars'].includes(shape)) throw new Error(`SHAPE is bare or stars, not ${shape}`);

function labFile(n) {
  const name = `grow${n}`;
  const file = join(work, `${name}.yaml`);
  writeFileSync(file, shape === 'bare' ? `name: ${name}\nnodes:\n  "n{1..${n}}": {}\n` : starsText(name, n));
  return { name, file };
}

/** n hosts in stars of (at most) 1000, each star on its own bridge and /16. */
function starsText(name, n) {
  const stars = Array.from({ length: Math.ceil(n / 1000) }, (_, k) => ({ k, hosts: Math.min(1000, n - k * 1000) }));
  const nodes = stars.map(({ k, hosts }) => `  "s${k}h{1..${hosts}}": {}\n  sw${k}: { kind: bridge, subnet: 10.${100 + k}.0.0/16 }\n`).join('');
  const links = stars.map(({ k, hosts }) => `  - endpoints: ["s${k}h{1..${hosts}}:eth0", sw${k}]\n`).join('');
  return `name: ${name}\nnodes:\n${nodes}links:\n${links}`;
}

console.log(`nslab ${JSON.parse(readFileSync('package.json', 'utf8')).version} · ${execFileSync('uname', ['-r']).toString().trim()} · ${shape === 'bare' ? 'bare nodes' : 'stars of 1000 hosts, a bridge each'}, ${runs} run(s) each\n`);
const rows = [];
for (const n of sizes) {
  const { name, file } = labFile(n);
  const refDir = join(work, `ref-${name}`);
  writeReference(creationPlan(loadTopology(file, readFileSync(file, 'utf8'))), refDir);
  const t = { up: [], down: [], refUp: [], refDown: [] };
  for (let i = 0; i < runs; i++) {
    settleLong();
    t.refUp.push(timed('bash', [join(refDir, 'up.sh')]));
    t.refDown.push(timed('bash', [join(refDir, 'down.sh')]));
    settleLong();
    t.up.push(timed(process.execPath, ['bin/nslab.js', 'up', '-q', file]));
    t.down.push(timed(process.execPath, ['bin/nslab.js', 'down', '-q', name]));
    if (leftovers(name)) throw new Error(`namespaces of ${name} left behind`);
  }
  const row = { n, up: median(t.up), down: median(t.down), refUp: median(t.refUp), refDown: median(t.refDown) };
  rows.push(row);
  console.log(`${n} namespaces: nslab up ${row.up.toFixed(2)} s (${((row.up / n) * 1000).toFixed(2)} ms each) + down ${row.down.toFixed(2)} s · reference up ${row.refUp.toFixed(2)} s (${((row.refUp / n) * 1000).toFixed(2)} ms each) + down ${row.refDown.toFixed(2)} s · ratio ${((row.up + row.down) / (row.refUp + row.refDown)).toFixed(2)}×`);
}
console.log('\n| namespaces | nslab up | per namespace | reference up | per namespace | nslab down | reference down |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.n} | ${r.up.toFixed(2)} s | ${((r.up / r.n) * 1000).toFixed(2)} ms | ${r.refUp.toFixed(2)} s | ${((r.refUp / r.n) * 1000).toFixed(2)} ms | ${r.down.toFixed(2)} s | ${r.refDown.toFixed(2)} s |`);

// The cleanup after a teardown: deploy again at once, or once it is done.
const { name, file } = labFile(sizes[0]);
const after = { settled: [], atOnce: [], cleanup: [] };
for (let i = 0; i < Math.max(3, runs); i++) {
  settleLong();
  after.settled.push(timed(process.execPath, ['bin/nslab.js', 'up', '-q', file]));
  timed(process.execPath, ['bin/nslab.js', 'down', '-q', name]);
  after.atOnce.push(timed(process.execPath, ['bin/nslab.js', 'up', '-q', file]));
  timed(process.execPath, ['bin/nslab.js', 'down', '-q', name]);
  after.cleanup.push(settleLong());
}
console.log(`\nafter a teardown of ${sizes[0]}: up once the CPUs are idle ${median(after.settled).toFixed(2)} s · up straight after down ${median(after.atOnce).toFixed(2)} s · the kernel's cleanup kept the CPUs busy ${median(after.cleanup).toFixed(2)} s after down returned`);
