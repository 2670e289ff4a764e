// The fastest plain iproute2 deployment we know how to write, generated from
// the same lab so both do exactly the same kernel work (see DESIGN.md):
//   1. `ip netns add` for every namespace, in 4 parallel host batches
//      (namespace creation scales over cores)
//   2. every veth pair, both ends placed directly in their namespaces, in one
//      host batch
//   3. sysctls: one `nsenter … sysctl -w` per namespace that has any, 4 in
//      parallel
//   4. one `ip -batch` per namespace, 4 in parallel, largest batch first
//      (`ls -S`: a bridge with 1000 ports must not be the tail)
// Teardown: one host-level `ip -batch` of `netns del`.
//
// Step 4 enters each namespace one of two ways, and which is faster depends
// on the kernel: `nsenter --net=/run/netns/NS ip -batch` (two processes) or
// `ip -n NS -batch` (one, but it unshares a mount namespace and remounts
// /sys each time). On the kernel DESIGN.md measured, `ip -n` grew with the
// number of namespaces (8 s for 1000 small batches); on 6.18.44 here it was
// the faster, 7.9–8.1 s against 9.9–10.1 s for the star's 999 hosts. So
// both are written — up.sh (nsenter) and up-ipn.sh — and a bench takes the
// faster as its reference (`fasterReference`).
// Each up script appends the time of each phase's end to its phases file
// (bench:scale prints them). The plan only supplies the list of kernel
// operations; the scripts are plain files, bash and xargs, with no node in
// the loop.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { median } from './measure.js';

/** How step 4 enters a namespace: the up script of each, and the command xargs runs per namespace file. */
export const ENTRIES = {
  nsenter: { script: 'up.sh', perNamespace: 'nsenter --net=/run/netns/{} ip -batch ns/{}' },
  'ip -n': { script: 'up-ipn.sh', perNamespace: 'ip -n {} -batch ns/{}' },
};

export function writeReference(plan, dir) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'ns'), { recursive: true });
  const line = (s) => s.argv.slice(1).join(' ');
  const hostIp = plan.steps.filter((s) => s.ns === null && s.argv[0] === 'ip');
  const netnsAdds = hostIp.filter((s) => s.argv[1] === 'netns').map(line);
  const others = hostIp.filter((s) => s.argv[1] !== 'netns').map(line);
  const parts = 4;
  const size = Math.ceil(netnsAdds.length / parts);
  for (let k = 0; k < parts; k++) writeFileSync(join(dir, `netns-${k}.batch`), netnsAdds.slice(k * size, (k + 1) * size).join('\n') + '\n');
  writeFileSync(join(dir, 'host.batch'), others.join('\n') + '\n');
  const perNs = new Map();
  const sysctls = new Map();
  for (const s of plan.steps) {
    if (s.ns === null) continue;
    const into = s.argv[0] === 'sysctl' ? sysctls : perNs;
    if (!into.has(s.ns)) into.set(s.ns, []);
    into.get(s.ns).push(s.argv[0] === 'sysctl' ? s.argv.at(-1) : line(s));
  }
  for (const [ns, lines] of perNs) writeFileSync(join(dir, 'ns', ns), lines.join('\n') + '\n');
  // one line of nsenter's arguments per namespace (xargs -L1)
  writeFileSync(join(dir, 'sysctl.args'), [...sysctls].map(([ns, kv]) => `--net=/run/netns/${ns} sysctl -q -w ${kv.join(' ')}\n`).join(''));
  for (const [name, entry] of Object.entries(ENTRIES)) {
    writeFileSync(join(dir, entry.script), [
      '#!/usr/bin/env bash',
      'set -euo pipefail',
      `cd ${dir}`,
      // phase marks: bash's own clock ($EPOCHREALTIME, µs), no process started
      `mark() { echo "$1 \${EPOCHREALTIME/./}" >> phases-${name.replace(' ', '')}; }`,
      `: > phases-${name.replace(' ', '')}; mark start`,
      ...Array.from({ length: parts }, (_, k) => `ip -batch netns-${k}.batch &`),
      'wait',
      'mark namespaces',
      'ip -batch host.batch',
      'mark host_links',
      ...(sysctls.size ? ['xargs -P4 -L1 nsenter < sysctl.args'] : []),
      `ls -S ns | xargs -P4 -I{} ${entry.perNamespace}`,
      'mark inside_namespaces',
      '',
    ].join('\n'));
  }
  const namespaces = plan.steps.filter((s) => s.argv[1] === 'netns' && s.argv[2] === 'add').map((s) => s.argv[3]);
  writeFileSync(join(dir, 'down.batch'), namespaces.map((n) => `netns del ${n}`).join('\n') + '\n');
  writeFileSync(join(dir, 'down.sh'), `#!/usr/bin/env bash\nset -euo pipefail\nip -batch ${join(dir, 'down.batch')}\n`);
}

/** The phases of an entry's last up run: [name, ms] in order. */
export function referencePhases(dir, entry = 'nsenter') {
  const marks = readFileSync(join(dir, `phases-${entry.replace(' ', '')}`), 'utf8').trim().split('\n').map((l) => l.split(' ')).map(([p, us]) => [p, Number(us) / 1e3]);
  return marks.slice(1).map(([p, t], i) => [p, Math.round(t - marks[i][1])]);
}

/** Of runs of every entry ({ entry: [seconds of up + down, …] }), the one with the lowest median. */
export function fasterReference(totals) {
  return Object.entries(totals).map(([entry, xs]) => ({ entry, median: median(xs) })).sort((a, b) => a.median - b.median)[0].entry;
}
