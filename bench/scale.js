#!/usr/bin/env node
// `npm run bench:scale`: nslab up/down against the fastest plain iproute2
// script (bench/reference.js) for the same labs, in the same run, as root.
// Prints each time and the ratio nslab / reference. Target: ≤ 1.2×.
//
//   RUNS=3 npm run bench:scale            (default 3 alternating rounds, median reported)
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { creationPlan } from '../dist/compile/create.js';
import { loadTopology } from '../dist/topology/load.js';
import { leftovers, median, secs, settle, timed } from './measure.js';
import { referencePhases, writeReference } from './reference.js';

const runs = Number(process.env.RUNS ?? 3);
const work = mkdtempSync(join(tmpdir(), 'nslab-bench-'));
const chainFile = join(work, 'chain200.yaml');
writeFileSync(chainFile, `name: bchain
ipam: { p2p: 10.200.0.0/16 }
nodes:
  "r{1..200}": { sysctl: { net.ipv4.ip_forward: 1 } }
links:
  - endpoints: ["r{1..199}:eth1", "r{2..200}:eth0"]
`);
const labs = [
  { title: '1000-host star', file: 'topologies/star1000.yaml' },
  { title: '200-router chain', file: chainFile },
];

const settleFirst = () => settle({ pause: Number(process.env.SETTLE ?? 1) });
const timedSettled = (cmd, args) => (settleFirst(), timed(cmd, args));

console.log(`nslab ${JSON.parse(readFileSync('package.json', 'utf8')).version} · ${execFileSync('uname', ['-r']).toString().trim()} · ${runs} rounds, alternating, median\n`);
const rows = [];
for (const lab of labs) {
  const model = loadTopology(lab.file, readFileSync(lab.file, 'utf8'));
  const refDir = join(work, `ref-${model.name}`);
  writeReference(creationPlan(model), refDir);
  const t = { nsUp: [], nsDown: [], refUp: [], refDown: [], rss: [], phases: [], downPhases: [], refPhases: [] };
  for (let i = 0; i < runs; i++) {
    t.refUp.push(timedSettled('bash', [join(refDir, 'up.sh')]));
    t.refPhases.push(Object.fromEntries(referencePhases(refDir)));
    t.refDown.push(timedSettled('bash', [join(refDir, 'down.sh')]));
    if (leftovers(model.name)) throw new Error('reference left namespaces behind');
    // /usr/bin/time -f %M reports nslab's peak RSS in KiB
    settleFirst();
    const t0 = secs();
    const up = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, 'bin/nslab.js', 'up', '--json', '--timings', lab.file], { encoding: 'utf8' });
    t.nsUp.push(secs() - t0);
    if (up.status !== 0) throw new Error(`nslab up failed: ${up.stderr}`);
    t.rss.push(Number(up.stderr.trim().split('\n').at(-1)) / 1024);
    t.phases.push(JSON.parse(up.stdout).timings_ms);
    settleFirst();
    const d0 = secs();
    const downRun = spawnSync(process.execPath, ['bin/nslab.js', 'down', '--json', '--timings', model.name], { encoding: 'utf8' });
    t.nsDown.push(secs() - d0);
    if (downRun.status !== 0) throw new Error(`nslab down failed: ${downRun.stderr}`);
    t.downPhases.push(JSON.parse(downRun.stdout).timings_ms);
    if (leftovers(model.name)) throw new Error('nslab left namespaces behind');
  }
  const row = {
    lab: lab.title,
    nsUp: median(t.nsUp), nsDown: median(t.nsDown), refUp: median(t.refUp), refDown: median(t.refDown), rss: Math.max(...t.rss),
  };
  row.ratio = (row.nsUp + row.nsDown) / (row.refUp + row.refDown);
  rows.push(row);
  const list = (xs) => xs.map((x) => x.toFixed(2)).join(' ');
  // Where nslab's own time goes (`nslab up --timings`), median per phase;
  // what is left of the wall time is node starting and loading the CLI.
  const phaseNames = Object.keys(t.phases[0]);
  const phaseMs = phaseNames.map((p) => [p, median(t.phases.map((x) => x[p]))]);
  const inside = phaseMs.reduce((a, [, ms]) => a + ms, 0);
  console.log(`  nslab up, phase by phase (median ms): ${phaseMs.map(([p, ms]) => `${p.replaceAll('_', ' ')} ${ms}`).join(' · ')} · node start-up and loading the CLI ${Math.max(0, Math.round(row.nsUp * 1000 - inside))}`);
  const downMs = Object.keys(t.downPhases[0]).map((p) => [p, median(t.downPhases.map((x) => x[p]))]);
  const downInside = downMs.reduce((a, [, ms]) => a + ms, 0);
  console.log(`  nslab down, phase by phase (median ms): ${downMs.map(([p, ms]) => `${p.replaceAll('_', ' ')} ${ms}`).join(' · ')} · node start-up, loading the CLI and reading the lab's name ${Math.max(0, Math.round(row.nsDown * 1000 - downInside))}`);
  const refMs = Object.keys(t.refPhases[0]).map((p) => [p, median(t.refPhases.map((x) => x[p]))]);
  console.log(`  reference up, phase by phase (median ms): ${refMs.map(([p, ms]) => `${p.replaceAll('_', ' ')} ${ms}`).join(' · ')}`);
  console.log(`  runs (s): nslab up ${list(t.nsUp)} · down ${list(t.nsDown)} · reference up ${list(t.refUp)} · down ${list(t.refDown)}`);
  console.log(`${row.lab}: nslab up ${row.nsUp.toFixed(2)} s + down ${row.nsDown.toFixed(2)} s = ${(row.nsUp + row.nsDown).toFixed(2)} s · reference up ${row.refUp.toFixed(2)} s + down ${row.refDown.toFixed(2)} s = ${(row.refUp + row.refDown).toFixed(2)} s · ratio ${row.ratio.toFixed(2)}× · nslab peak RSS ${row.rss.toFixed(0)} MB`);
}
console.log('\n| lab | nslab up | nslab down | reference up | reference down | ratio (up+down) | nslab peak RSS |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.lab} | ${r.nsUp.toFixed(2)} s | ${r.nsDown.toFixed(2)} s | ${r.refUp.toFixed(2)} s | ${r.refDown.toFixed(2)} s | ${r.ratio.toFixed(2)}× | ${r.rss.toFixed(0)} MB |`);
process.exitCode = rows.every((r) => r.ratio <= 1.2) ? 0 : 1;
