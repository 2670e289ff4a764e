/**
 * Every example topology goes up on the real kernel, matches its plan when
 * read back (addresses, MTU, txqueuelen, bridge ports, link state, routes,
 * sysctls), passes traffic, and goes down leaving the host as it was.
 */
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { down } from '../../src/exec/down.js';
import { up } from '../../src/exec/up.js';
import { formatAddress } from '../../src/topology/ip.js';
import type { Lab } from '../../src/topology/model.js';
import { TOPOLOGIES, yamlFiles } from '../helpers/fixtures.js';
import { labFeatures } from '../../src/exec/doctor.js';
import { hostSnapshot, isRoot, kernelDiff, labFromFile, missingFeature, ping } from '../helpers/lab.js';

function firstAddress(lab: Lab, node: string): string | undefined {
  const addrs = lab.links.flatMap((l) => l.ends.filter((e) => e.node === node).flatMap((e) => e.addresses));
  const a = addrs.find((x) => x.cidr.family === 4) ?? addrs[0];
  return a && formatAddress(a.cidr);
}

/** Examples that need a kernel feature this host lacks (netem, VLAN filtering, 8021q) run under QEMU instead (test/kernel). */
const skipReasons = new Map<string, string>();
if (isRoot) {
  for (const file of yamlFiles(TOPOLOGIES)) {
    const lab = labFromFile(file);
    for (const f of labFeatures(lab)) {
      const why = await missingFeature(f);
      if (why) skipReasons.set(file, why);
    }
  }
}

describe.skipIf(!isRoot)('example topologies on the real kernel (root)', () => {
  for (const file of yamlFiles(TOPOLOGIES)) {
    const skip = skipReasons.get(file);
    it.skipIf(skip)(`${basename(file)}: up, read back, traffic, down — nothing left${skip ? ` — skipped: ${skip}` : ''}`, async () => {
      const lab = labFromFile(file);
      const before = hostSnapshot(lab);
      try {
        const r = await up(lab);
        expect(r.outcome.ok).toBe(true);

        expect(await kernelDiff(lab)).toEqual([]);

        // The topology's own ping checks, and its reach sets, pair by pair.
        const nsOf = (n: string) => lab.nodes.find((x) => x.name === n)!.ns;
        for (const c of lab.checks) {
          if (c.kind === 'ping' && c.expect === 'pass') expect(ping(nsOf(c.nodes[0]!), c.target!, { count: 3 }), c.name).toBe(true);
          if (c.kind === 'reach') {
            const [first, ...rest] = c.nodes;
            for (const other of rest) expect(ping(nsOf(first!), firstAddress(lab, other)!, { count: 3 }), `${first} -> ${other}`).toBe(true);
          }
        }
      } finally {
        await down(lab.name);
      }
      expect(hostSnapshot(lab)).toEqual(before);
    }, 120_000);
  }
});
