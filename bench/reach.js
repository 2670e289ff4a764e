#!/usr/bin/env node
// `npm run bench:reach` (root): all ordered pairs of 50 hosts on one bridge.
// nslab's reach check (one fping per source, sources in parallel) against a
// sequential ping of every pair, Mininet-pingall style, in the same run.
import { spawnSync } from 'node:child_process';
import { startLab } from '../dist/index.js';

const N = Number(process.env.HOSTS ?? 50);
const text = `name: breach
nodes:
  "h{1..${N}}": {}
  sw: { kind: bridge, subnet: 10.90.0.0/24 }
links:
  - endpoints: ["h{1..${N}}:eth0", sw]
checks:
  - reach: { among: ["h{1..${N}}"] }
`;
const lab = await startLab({ text, file: 'bench-reach.yaml' });
try {
  const t0 = performance.now();
  const [r] = await lab.checks();
  const nslabMs = performance.now() - t0;
  const t1 = performance.now();
  let ok = 0;
  for (let a = 1; a <= N; a++) {
    for (let b = 1; b <= N; b++) {
      if (a === b) continue;
      const p = spawnSync('nsenter', [`--net=/run/netns/breach-h${a}`, 'ping', '-n', '-q', '-c1', '-W1', `10.90.0.${b}`]);
      if (p.status === 0) ok++;
    }
  }
  const refMs = performance.now() - t1;
  console.log(`reach among ${N} hosts (${N * (N - 1)} ordered pairs): nslab ${r.status}, ${r.measurements[0].value} in ${(nslabMs / 1000).toFixed(2)} s · sequential ping of every pair ${ok}/${N * (N - 1)} in ${(refMs / 1000).toFixed(2)} s · ${(refMs / nslabMs).toFixed(1)}× faster`);
} finally {
  await lab.down();
}
