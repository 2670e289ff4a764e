/**
 * Reading a lab back: what the kernel holds is compared with the lab, down
 * to each interface's impairment. Observations are built here as the kernel
 * would report a correct lab, then spoiled one thing at a time.
 */
import { describe, expect, it } from 'vitest';
import type { ObservedNamespace } from '../../src/exec/inspect.js';
import { verifyLab } from '../../src/exec/verify.js';
import type { Impairment } from '../../src/impair/readback.js';
import { formatAddress } from '../../src/topology/ip.js';
import { loadTopology } from '../../src/topology/load.js';
import type { Lab } from '../../src/topology/model.js';
import { hostTag } from '../../src/topology/names.js';

const lab = loadTopology(
  'pair.yaml',
  `name: vf
nodes: { a: {}, b: {} }
links:
  - endpoints: [a:eth0, b:eth0]
    ip: [10.0.0.1/24, 10.0.0.2/24]
    netem: { a: { delay: 50ms, shape: { rate: 10mbit } } }
`,
);

/** What the kernel shows for a correctly built lab. */
function observedOf(l: Lab, impairments: Record<string, Impairment[]>): Map<string, ObservedNamespace> {
  const out = new Map<string, ObservedNamespace>();
  for (const n of l.nodes) {
    const ends = l.links.flatMap((k) => k.ends.filter((e) => e.node === n.name));
    out.set(n.ns, {
      ns: n.ns,
      vlans: new Map(),
      links: [
        { ifname: 'lo', mtu: 65536, flags: ['LOOPBACK', 'UP', 'LOWER_UP'], ifalias: hostTag(l.name), addresses: [] },
        ...ends.map((e) => ({ ifname: e.ifname, mtu: e.mtu ?? 1500, flags: ['UP', 'LOWER_UP'], addresses: e.addresses.map((a) => `${formatAddress(a.cidr)}/${a.cidr.prefix}`) })),
      ],
      routes: [],
      sysctls: {},
      impairments: impairments[n.name] ?? [],
      nftTables: [],
    });
  }
  return out;
}

const asked: Impairment = { dev: 'eth0', netem: { limit: 1000, delayMs: 50 }, tbf: { rateBps: 10e6, burstBytes: 12500 } };

describe('verify: impairments are read back like everything else', () => {
  it('the impairment the lab asked for, where it asked for it: no differences', () => {
    expect(verifyLab(lab, observedOf(lab, { a: [asked] }))).toEqual([]);
  });
  it('a missing netem qdisc is named, with the YAML line that asked for it', () => {
    expect(verifyLab(lab, observedOf(lab, { a: [{ dev: 'eth0', tbf: asked.tbf }] }))).toEqual(['vf-a:eth0: no netem qdisc (pair.yaml:6:17)']);
  });
  it('a different delay is named with both values', () => {
    const wrong = { ...asked, netem: { ...asked.netem!, delayMs: 20 } };
    expect(verifyLab(lab, observedOf(lab, { a: [wrong] }))).toEqual(['vf-a:eth0: netem delayMs: kernel has 20, expected 50 (pair.yaml:6:17)']);
  });
  it('an impairment nobody asked for is a difference too', () => {
    expect(verifyLab(lab, observedOf(lab, { a: [asked], b: [{ dev: 'eth0', netem: { limit: 1000, lossPct: 5 } }] }))).toEqual([
      'vf-b:eth0: a netem qdisc remains: loss 5%, limit 1000',
    ]);
  });
});
