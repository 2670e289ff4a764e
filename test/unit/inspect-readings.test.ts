/**
 * Reading a lab back reads, in each namespace, what verify compares there
 * and no more: each tool is a process, and a process per reading per
 * namespace made `status --verify` of the 1000-host star take 87 s.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readingsArg, readingsOf } from '../../src/exec/inspect.js';
import { loadTopology } from '../../src/topology/load.js';
import { read, TOPOLOGIES } from '../helpers/fixtures.js';

const fromFile = (name: string) => loadTopology(name, read(join(TOPOLOGIES, name)));

describe('rule: a namespace is read for what its lab asks of it', () => {
  it('routes where a node has some, sysctls by key, VLANs on bridges and on ports that carry them', () => {
    const r = readingsOf(fromFile('vlans.yaml'));
    expect(r.get('a10')).toEqual({ routes: true, tc: false, nft: false, vlans: false, sysctls: [] }); // its VLAN is on the bridge's port
    expect(r.get('rtr')).toEqual({ routes: false, tc: false, nft: false, vlans: false, sysctls: ['net.ipv4.ip_forward'] });
    expect(r.get('sw1')).toMatchObject({ vlans: true, routes: false, sysctls: [] });
  });

  it('qdiscs where an impairment is asked for, nftables where a ruleset is', () => {
    const lab = loadTopology('x.yaml', `name: x
nodes: { a: { nft: "table inet f { }\\n" }, b: {}, c: {} }
links:
  - endpoints: [a:eth0, b:eth0]
    netem: { b: { delay: 5ms } }
  - endpoints: [b:eth1, c:eth0]
`);
    const r = readingsOf(lab);
    expect([r.get('a')!.nft, r.get('a')!.tc, r.get('b')!.tc, r.get('c')!.tc]).toEqual([true, false, true, false]);
  });

  it('a plain host of the star: its links alone, entered without a shell', () => {
    const r = readingsOf(fromFile('star1000.yaml'));
    expect(readingsArg(r.get('h1')!)).toBe('|'); // the script's "links only" form
    expect(readingsArg(r.get('sw')!)).toBe('vlans|');
  });

  it('sysctl keys go with the /proc/sys path they are read from (sysctl\'s "/" for a dot in an interface name)', () => {
    expect(readingsArg({ routes: true, tc: true, nft: false, vlans: false, sysctls: ['net.ipv4.ip_forward', 'net.ipv4.conf.eth0/10.rp_filter'] }))
      .toBe('routes tc|net.ipv4.ip_forward=/proc/sys/net/ipv4/ip_forward net.ipv4.conf.eth0/10.rp_filter=/proc/sys/net/ipv4/conf/eth0.10/rp_filter');
  });
});
