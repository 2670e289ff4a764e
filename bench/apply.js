#!/usr/bin/env node
// `npm run bench:apply`: a one-link change to a running 1000-host star, made
// live with `nslab apply`, against rebuilding the lab (`nslab down` + `nslab
// up` of the changed file) — in the same run, as root. Two changes: a new
// host on the switch (a link and a namespace added), and one host's link
// MTU changed in place. Prints each time and the ratio apply / rebuild.
//
//   RUNS=3 npm run bench:apply            (default 3 rounds, median reported)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const runs = Number(process.env.RUNS ?? 3);
const work = mkdtempSync(join(tmpdir(), 'nslab-bench-apply-'));
const base = readFileSync('topologies/star1000.yaml', 'utf8');
const write = (name, text) => {
  const f = join(work, name);
  writeFileSync(f, text);
  return f;
};
const LINKS = '  - endpoints: ["h{1..1000}:eth0", sw]\n';
if (!base.includes(LINKS)) throw new Error('topologies/star1000.yaml changed: update bench/apply.js');
const plus = base.replace(/^nodes:\n/m, 'nodes:\n  extra: {}\n').replace(LINKS, `${LINKS}  - endpoints: [extra:eth0, sw]\n`);
const changes = [
  { title: 'add a host (namespace + link)', from: write('star.yaml', base), file: write('star-plus.yaml', plus) },
  { title: 'change one link\'s MTU', from: write('star-plus-from.yaml', plus), file: write('star-mtu.yaml', plus.replace('[extra:eth0, sw]\n', '[extra:eth0, sw]\n    mtu: 1400\n')) },
];

const secs = () => Number(process.hrtime.bigint()) / 1e9;
const settle = () => spawnSync('sleep', [process.env.SETTLE ?? '2']);
function nslab(...args) {
  const t0 = secs();
  const r = spawnSync(process.execPath, ['bin/nslab.js', ...args], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`nslab ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return secs() - t0;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const lab = /^name:\s*(\S+)/m.exec(base)[1];

console.log(`nslab apply on ${lab} (topologies/star1000.yaml) · ${runs} rounds, median\n`);
const rows = [];
for (const c of changes) {
  const t = { apply: [], rebuild: [] };
  for (let i = 0; i < runs; i++) {
    settle();
    nslab('up', '-q', c.from);
    t.apply.push(nslab('apply', '-q', c.file));
    settle();
    // Rebuilding the changed lab: what a tool without apply does.
    const down = nslab('down', '-q', lab);
    settle();
    const up = nslab('up', '-q', c.file);
    t.rebuild.push(down + up);
    nslab('down', '-q', lab);
  }
  const row = { title: c.title, apply: median(t.apply), rebuild: median(t.rebuild) };
  rows.push(row);
  console.log(`  ${c.title}: apply ${t.apply.map((x) => x.toFixed(3)).join(' ')} s · rebuild ${t.rebuild.map((x) => x.toFixed(2)).join(' ')} s`);
}
console.log('\n| change to the running 1000-host star | nslab apply | rebuild (down + up) | apply / rebuild |');
console.log('|---|---|---|---|');
for (const r of rows) console.log(`| ${r.title} | ${r.apply.toFixed(2)} s | ${r.rebuild.toFixed(2)} s | ${((r.apply / r.rebuild) * 100).toFixed(1)} % |`);
