import { describe, expect, it } from 'vitest';
import { parseTopology } from '../../src/topology/load.js';
import type { Lab } from '../../src/topology/model.js';

function load(text: string): Lab {
  const { lab, diagnostics } = parseTopology('t.yaml', text);
  if (!lab) throw new Error(diagnostics.map((d) => `${d.loc.line}:${d.loc.col} ${d.message}`).join('\n'));
  return lab;
}

const addressesOf = (lab: Lab) =>
  Object.fromEntries(lab.links.flatMap((l) => l.ends.filter((e) => e.kind === 'netns').map((e) => [`${e.node}:${e.ifname}`, e.addresses.map((a) => a.text)])));

const LAN = `
name: t
nodes:
  "h{1..4}": {}
  rtr: {}
  lan: { kind: bridge, subnet: [10.0.1.0/24, "fd00:1::/64"] }
links:
  - endpoints: [h1:eth0, lan]
  - endpoints: [rtr:eth0, lan]
    ip: [[10.0.1.1/24, "fd00:1::1/64"]]
  - endpoints: ["h{2..4}:eth0", lan]
`;

describe('IPAM: bridge subnets', () => {
  it('gives members the lowest free addresses in link order, skipping explicit ones', () => {
    expect(addressesOf(load(LAN))).toEqual({
      'h1:eth0': ['10.0.1.2/24', 'fd00:1::2/64'],
      'rtr:eth0': ['10.0.1.1/24', 'fd00:1::1/64'],
      'h2:eth0': ['10.0.1.3/24', 'fd00:1::3/64'],
      'h3:eth0': ['10.0.1.4/24', 'fd00:1::4/64'],
      'h4:eth0': ['10.0.1.5/24', 'fd00:1::5/64'],
    });
  });
  it('is deterministic: the same file gives the same addresses, every time', () => {
    const runs = Array.from({ length: 5 }, () => addressesOf(load(LAN)));
    for (const r of runs) expect(r).toEqual(runs[0]);
  });
  it('marks IPAM addresses as automatic and explicit ones as written', () => {
    const lab = load(LAN);
    const h1 = lab.links[0]!.ends[0];
    const rtr = lab.links[1]!.ends[0];
    expect(h1.addresses.every((a) => a.auto)).toBe(true);
    expect(rtr.addresses.every((a) => !a.auto)).toBe(true);
  });
  it('fills a subnet exactly to its last usable address', () => {
    const lab = load(`
name: t
nodes:
  "h{1..6}": {}
  lan: { kind: bridge, subnet: 10.0.0.0/29 }
links:
  - endpoints: ["h{1..6}:eth0", lan]
`);
    expect(Object.values(addressesOf(lab)).flat()).toEqual(['10.0.0.1/29', '10.0.0.2/29', '10.0.0.3/29', '10.0.0.4/29', '10.0.0.5/29', '10.0.0.6/29']);
  });
  it('skips the host gateway of a host-attached bridge', () => {
    const lab = load(`
name: t
nodes:
  h1: {}
  lan: { kind: bridge, subnet: 10.0.0.0/24, host: { ip: 10.0.0.1/24 } }
links:
  - endpoints: [h1:eth0, lan]
`);
    expect(addressesOf(lab)['h1:eth0']).toEqual(['10.0.0.2/24']);
  });
});

describe('IPAM: point-to-point pool', () => {
  const CHAIN = `
name: t
ipam: { p2p: 10.255.0.0/24, p2p6: "fd00:ff::/48" }
nodes:
  "r{1..4}": {}
links:
  - endpoints: ["r{1..3}:eth1", "r{2..4}:eth0"]
  - endpoints: [r4:eth1, r1:eth9]
    ip: [10.255.0.13/30, 10.255.0.14/30]
`;
  it('gives each unaddressed namespace-to-namespace link the next /30 and /64', () => {
    const a = addressesOf(load(CHAIN));
    expect(a['r1:eth1']).toEqual(['10.255.0.1/30', 'fd00:ff::1/64']);
    expect(a['r2:eth0']).toEqual(['10.255.0.2/30', 'fd00:ff::2/64']);
    expect(a['r2:eth1']).toEqual(['10.255.0.5/30', 'fd00:ff:0:1::1/64']);
    expect(a['r3:eth1']).toEqual(['10.255.0.9/30', 'fd00:ff:0:2::1/64']);
  });
  it('leaves links with written addresses alone and never reuses their block', () => {
    const a = addressesOf(load(CHAIN.replace('r{1..3}:eth1", "r{2..4}:eth0"]', 'r{1..3}:eth1", "r{2..4}:eth0"]\n  - endpoints: [r1:eth5, r2:eth5]')));
    expect(a['r4:eth1']).toEqual(['10.255.0.13/30']);
    // the fourth pooled link skips 10.255.0.12/30, which holds written addresses
    expect(a['r1:eth5']![0]).toBe('10.255.0.17/30');
  });
  it('reports a pool too small for its links', () => {
    const { diagnostics } = parseTopology('t.yaml', CHAIN.replace('10.255.0.0/24', '10.255.0.0/29'));
    expect(diagnostics.map((d) => d.message)).toContain('pool 10.255.0.0/29 is too small for 3 point-to-point links');
  });
});
