#!/usr/bin/env node
// `npm run bench:services` (root): what running software in nodes costs.
// 100 nodes on a bridge, each with a small TCP listener (busybox nc) and
// `ready: { tcp: 7000 }`, against the same lab without services, and against
// the listeners' own start-up: the same 100 started directly by this script
// (`ip netns exec … &`, all at once) and polled until every one listens.
//
//   nslab overhead = up(with services) - up(without) - direct start-up
//
// Alternating rounds, medians. The figure the issue asks for is the
// overhead per service (target: under 20 ms).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const N = Number(process.env.NODES ?? 100);
const runs = Number(process.env.RUNS ?? 5);
const PORT = 7000;
const LISTENER = `busybox nc -ll -p ${PORT} -e true`;
const work = mkdtempSync(join(tmpdir(), 'nslab-bench-svc-'));

const topology = (name, services) => `name: ${name}
nodes:
  "h{1..${N}}":${services ? `
    services:
      listener:
        cmd: ${LISTENER}
        ready: { tcp: ${PORT} }` : ' {}'}
  sw: { kind: bridge, subnet: 10.201.0.0/16 }
links:
  - endpoints: ["h{1..${N}}:eth0", sw]
`;
const withFile = join(work, 'with.yaml');
const withoutFile = join(work, 'without.yaml');
writeFileSync(withFile, topology('bsvc', true));
writeFileSync(withoutFile, topology('bnosvc', false));

const secs = () => Number(process.hrtime.bigint()) / 1e9;
const settle = () => spawnSync('sleep', [process.env.SETTLE ?? '1']);
const nslab = (...args) => {
  const r = spawnSync(process.execPath, ['bin/nslab.js', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`nslab ${args.join(' ')}: ${r.stderr}`);
};
function timed(fn) {
  settle();
  const t0 = secs();
  fn();
  return secs() - t0;
}

/** Is something in this process's namespace listening on PORT? */
function listening(pid) {
  const hex = `:${PORT.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const f of ['tcp', 'tcp6']) {
    try {
      for (const line of readFileSync(`/proc/${pid}/net/${f}`, 'utf8').split('\n').slice(1)) {
        const c = line.trim().split(/\s+/);
        if (c[1]?.endsWith(hex) && c[3] === '0A') return true;
      }
    } catch {
      /* not yet */
    }
  }
  return false;
}

/** The listeners' own start-up: all started at once from here, until every one listens. */
async function directStart() {
  nslab('up', '-q', withoutFile);
  settle();
  const t0 = secs();
  const children = Array.from({ length: N }, (_, i) => spawn('ip', ['netns', 'exec', `bnosvc-h${i + 1}`, ...LISTENER.split(' ')], { stdio: 'ignore', detached: true }));
  const pending = new Set(children);
  while (pending.size) {
    for (const c of pending) if (listening(c.pid)) pending.delete(c);
    if (pending.size) await new Promise((r) => setTimeout(r, 2));
  }
  const t = secs() - t0;
  nslab('down', '-q', 'bnosvc'); // stops them too
  return t;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const t = { without: [], withUp: [], withDown: [], direct: [] };
console.log(`nslab services bench · ${N} nodes, one listener each (${LISTENER}, ready: tcp/${PORT}) · ${runs} rounds, alternating, median\n`);
for (let i = 0; i < runs; i++) {
  t.without.push(timed(() => nslab('up', '-q', withoutFile)));
  timed(() => nslab('down', '-q', 'bnosvc'));
  t.withUp.push(timed(() => nslab('up', '-q', withFile)));
  t.withDown.push(timed(() => nslab('down', '-q', 'bsvc')));
  t.direct.push(await directStart());
}
const m = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, median(v)]));
const overhead = m.withUp - m.without - m.direct;
const list = (xs) => xs.map((x) => x.toFixed(2)).join(' ');
console.log(`  runs (s): up without services ${list(t.without)} · up with ${list(t.withUp)} · down with ${list(t.withDown)} · listeners started directly ${list(t.direct)}`);
console.log('\n| lab | up | down | the listeners started directly | nslab overhead | per service |');
console.log('|---|---|---|---|---|---|');
console.log(`| ${N} nodes, no services | ${m.without.toFixed(2)} s | | | | |`);
console.log(`| ${N} nodes, a service each | ${m.withUp.toFixed(2)} s | ${m.withDown.toFixed(2)} s | ${m.direct.toFixed(2)} s | ${(overhead * 1000).toFixed(0)} ms | ${((overhead * 1000) / N).toFixed(1)} ms |`);
process.exitCode = (overhead * 1000) / N < 20 ? 0 : 1;
