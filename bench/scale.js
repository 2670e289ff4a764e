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
import { ENTRIES, fasterReference, referencePhases, writeReference } from './reference.js';

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

/** `nslab <args> --json --timings` once the CPUs are idle: its wall time, its phases, what it printed on stderr. */
function timedNslab(args, wrapper = []) {
  settleFirst();
  const t0 = secs();
  const [cmd, ...argv] = [...wrapper, process.execPath, 'bin/nslab.js', ...args, '--json', '--timings'];
  const r = spawnSync(cmd, argv, { encoding: 'utf8' });
  const wall = secs() - t0;
  if (r.status !== 0) throw new Error(`nslab ${args[0]} failed: ${r.stderr}`);
  return { wall, phases: JSON.parse(r.stdout).timings_ms, stderr: r.stderr };
}

/** Median per phase over the runs; with `wallSecs`, what is left of the wall time is named `rest`. */
function phaseLine(title, runsPhases, wallSecs, rest) {
  const ms = Object.keys(runsPhases[0]).map((p) => [p, median(runsPhases.map((x) => x[p]))]);
  const inside = ms.reduce((a, [, v]) => a + v, 0);
  const tail = wallSecs === undefined ? '' : ` · ${rest} ${Math.max(0, Math.round(wallSecs * 1000 - inside))}`;
  return `  ${title}, phase by phase (median ms): ${ms.map(([p, v]) => `${p.replaceAll('_', ' ')} ${v}`).join(' · ')}${tail}`;
}

console.log(`nslab ${JSON.parse(readFileSync('package.json', 'utf8')).version} · ${execFileSync('uname', ['-r']).toString().trim()} · ${runs} rounds, alternating, median`);
// What a process costs here, the script's main expense, and node's start,
// nslab's: ratios from machines that differ in these are not comparable.
settleFirst();
const each = (n, cmd, args) => { const t0 = secs(); for (let i = 0; i < n; i++) timed(cmd, args); return ((secs() - t0) / n) * 1000; };
console.log(`this machine: starting a process (/bin/true) ${each(100, '/bin/true', []).toFixed(1)} ms · \`ip -V\` ${each(100, 'ip', ['-V']).toFixed(1)} ms · \`node -e 0\` ${each(10, process.execPath, ['-e', '0']).toFixed(0)} ms\n`);
const rows = [];
for (const lab of labs) {
  const model = loadTopology(lab.file, readFileSync(lab.file, 'utf8'));
  const refDir = join(work, `ref-${model.name}`);
  writeReference(creationPlan(model), refDir);
  const entries = Object.keys(ENTRIES);
  const t = { nsUp: [], nsDown: [], rss: [], phases: [], downPhases: [] };
  const ref = Object.fromEntries(entries.map((e) => [e, { up: [], down: [], phases: [] }]));
  for (let i = 0; i < runs; i++) {
    for (const e of entries) {
      ref[e].up.push(timedSettled('bash', [join(refDir, ENTRIES[e].script)]));
      ref[e].phases.push(Object.fromEntries(referencePhases(refDir, e)));
      ref[e].down.push(timedSettled('bash', [join(refDir, 'down.sh')]));
      if (leftovers(model.name)) throw new Error('reference left namespaces behind');
    }
    // /usr/bin/time -f %M reports nslab's peak RSS in KiB
    const up = timedNslab(['up', lab.file], ['/usr/bin/time', '-f', '%M']);
    t.nsUp.push(up.wall);
    t.rss.push(Number(up.stderr.trim().split('\n').at(-1)) / 1024);
    t.phases.push(up.phases);
    const down = timedNslab(['down', model.name]);
    t.nsDown.push(down.wall);
    t.downPhases.push(down.phases);
    if (leftovers(model.name)) throw new Error('nslab left namespaces behind');
  }
  // The reference is the faster way of entering the namespaces on this kernel (see reference.js).
  const entry = fasterReference(Object.fromEntries(entries.map((e) => [e, ref[e].up.map((u, i) => u + ref[e].down[i])])));
  Object.assign(t, { refUp: ref[entry].up, refDown: ref[entry].down, refPhases: ref[entry].phases });
  const row = {
    lab: lab.title, entry,
    nsUp: median(t.nsUp), nsDown: median(t.nsDown), refUp: median(t.refUp), refDown: median(t.refDown), rss: Math.max(...t.rss),
  };
  row.ratio = (row.nsUp + row.nsDown) / (row.refUp + row.refDown);
  rows.push(row);
  const list = (xs) => xs.map((x) => x.toFixed(2)).join(' ');
  // Where nslab's own time goes (`--timings`), median per phase; what is
  // left of the wall time is node starting and loading the CLI.
  console.log(phaseLine('nslab up', t.phases, row.nsUp, 'node start-up and loading the CLI'));
  console.log(phaseLine('nslab down', t.downPhases, row.nsDown, "node start-up, loading the CLI and reading the lab's name"));
  console.log(phaseLine(`reference up (${entry})`, t.refPhases));
  for (const e of entries.filter((x) => x !== entry)) console.log(`  the other reference, ${e}: up ${median(ref[e].up).toFixed(2)} s + down ${median(ref[e].down).toFixed(2)} s (runs: ${list(ref[e].up)})`);
  console.log(`  runs (s): nslab up ${list(t.nsUp)} · down ${list(t.nsDown)} · reference up ${list(t.refUp)} · down ${list(t.refDown)}`);
  console.log(`${row.lab}: nslab up ${row.nsUp.toFixed(2)} s + down ${row.nsDown.toFixed(2)} s = ${(row.nsUp + row.nsDown).toFixed(2)} s · reference (${entry}) up ${row.refUp.toFixed(2)} s + down ${row.refDown.toFixed(2)} s = ${(row.refUp + row.refDown).toFixed(2)} s · ratio ${row.ratio.toFixed(2)}× · nslab peak RSS ${row.rss.toFixed(0)} MB`);
}
console.log('\n| lab | nslab up | nslab down | reference up | reference down | ratio (up+down) | nslab peak RSS |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.lab} | ${r.nsUp.toFixed(2)} s | ${r.nsDown.toFixed(2)} s | ${r.refUp.toFixed(2)} s (${r.entry}) | ${r.refDown.toFixed(2)} s | ${r.ratio.toFixed(2)}× | ${r.rss.toFixed(0)} MB |`);
process.exitCode = rows.every((r) => r.ratio <= 1.2) ? 0 : 1;
