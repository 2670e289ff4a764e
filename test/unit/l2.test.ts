/**
 * The layer-2 model from a topology: bridge options, port options, VLAN
 * interfaces, tunnels and published ports, as the lab and its plan carry
 * them. (The rules that refuse a file are in test/fixtures/invalid.)
 */
import { describe, expect, it } from 'vitest';
import { creationPlan } from '../../src/compile/create.js';
import { footprintOf } from '../../src/compile/teardown.js';
import { labFeatures } from '../../src/exec/doctor.js';
import { parseTopology } from '../../src/topology/load.js';
import type { BridgeNode, Lab } from '../../src/topology/model.js';

function load(text: string): Lab {
  const r = parseTopology('t.yaml', text);
  if (!r.lab) throw new Error(r.diagnostics.map((d) => `${d.loc.line}:${d.loc.col} ${d.message}`).join('\n'));
  return r.lab;
}
const argvOf = (lab: Lab, id: string) => creationPlan(lab).steps.find((s) => s.id === id)?.argv.join(' ');

describe('rule: bridge options go into `ip link add … type bridge`, in the kernel\'s units', () => {
  it('times become centiseconds; unset options are left to the kernel', () => {
    const lab = load('name: t\nnodes:\n  br: { kind: bridge, vlan_filtering: true, stp: true, forward_delay: 4s, ageing_time: 1.5s, mcast_snooping: false }\n  plain: { kind: bridge }\n');
    expect((lab.nodes[0] as BridgeNode).options).toEqual({ vlanFiltering: true, stp: true, forwardDelayCs: 400, ageingTimeCs: 150, mcastSnooping: false });
    expect(argvOf(lab, 'bridge:br')).toBe('ip link add name br type bridge vlan_filtering 1 stp_state 1 forward_delay 400 ageing_time 150 mcast_snooping 0');
    expect(argvOf(lab, 'bridge:plain')).toBe('ip link add name plain type bridge');
  });
  it('a loop between bridges is allowed when both bridges of the closing link run STP', () => {
    const loop = (stp: string) => `name: t\nnodes:\n  b1: { kind: bridge${stp} }\n  b2: { kind: bridge${stp} }\n  b3: { kind: bridge${stp} }\nlinks:\n  - endpoints: [b1:x, b2:x]\n  - endpoints: [b2:y, b3:y]\n  - endpoints: [b3:z, b1:z]\n`;
    expect(parseTopology('t.yaml', loop(', stp: true')).diagnostics).toEqual([]);
    expect(parseTopology('t.yaml', loop('')).diagnostics.map((d) => d.message)).toEqual([expect.stringContaining('makes a loop between bridges `b3` and `b1`')]);
  });
});

const VLANS = `name: t
nodes:
  sw: { kind: bridge, vlan_filtering: true, subnet: 10.0.0.0/24 }
  pc: {}
  rtr: {}
links:
  - endpoints: [pc:eth0, sw]
    vlan: 10
  - endpoints: [rtr:eth0, sw]
    vlans: [10, 20]
    ip: [{ 10: 10.0.10.1/24, 20: [10.0.20.1/24, "fd00:20::1/64"] }, null]
`;

describe('rule: VLAN membership of ports, and VLAN interfaces of a trunk\'s node end', () => {
  it('an access port leaves VLAN 1 and joins its VLAN untagged; a trunk port joins each VLAN tagged; the node waits for the last of them', () => {
    const lab = load(VLANS);
    const steps = creationPlan(lab).steps;
    const sw = steps.filter((s) => s.ns === 't-sw' && s.argv[0] === 'bridge').map((s) => s.argv.join(' '));
    expect(sw).toEqual([
      'bridge vlan del dev pc-eth0 vid 1',
      'bridge vlan add dev pc-eth0 vid 10 pvid untagged',
      'bridge vlan del dev rtr-eth0 vid 1',
      'bridge vlan add dev rtr-eth0 vid 10',
      'bridge vlan add dev rtr-eth0 vid 20',
    ]);
    expect(steps.find((s) => s.id === 'up:pc:eth0')!.deps).toContain('vlan:sw:pc-eth0:10');
    expect(steps.find((s) => s.id === 'up:rtr:eth0')!.deps).toContain('vlan:sw:rtr-eth0:20');
  });
  it('the trunk\'s node end gets an interface per VLAN, with the addresses written for it; IPAM leaves the trunk itself alone', () => {
    const lab = load(VLANS);
    const rtr = lab.links[1]!.ends[0];
    expect(rtr.addresses).toEqual([]);
    expect(rtr.vlanIfs!.map((v) => [v.ifname, v.addresses.map((a) => a.text)])).toEqual([['eth0.10', ['10.0.10.1/24']], ['eth0.20', ['10.0.20.1/24', 'fd00:20::1/64']]]);
    expect(lab.links[0]!.ends[0].addresses.map((a) => a.text)).toEqual(['10.0.0.1/24']); // pc: from the bridge's subnet
    expect(argvOf(lab, 'vlanif:rtr:eth0.10')).toBe('ip link add link eth0 name eth0.10 type vlan id 10');
    expect(argvOf(lab, 'up:rtr:eth0.20')).toBe('ip link set dev eth0.20 up'); // it has IPv6: link-local generation stays on
    expect(argvOf(lab, 'gen:rtr:eth0.10')).toBe('ip link set dev eth0.10 addrgenmode none');
    expect(argvOf(lab, 'up:rtr:eth0.10')).toBe('ip link set dev eth0.10 up');
  });
  it('a route through a VLAN interface\'s subnet is valid, and the lab needs VLAN filtering and 8021q from the kernel', () => {
    const lab = load(VLANS.replace(', subnet: 10.0.0.0/24', '').replace('  pc: {}', '  pc: { routes: [{ to: default, via: 10.0.10.1 }] }').replace('  - endpoints: [pc:eth0, sw]\n    vlan: 10', '  - endpoints: [pc:eth0, sw]\n    vlan: 10\n    ip: [10.0.10.2/24, null]'));
    expect(lab.warnings).toEqual([]);
    expect([...labFeatures(lab)].sort()).toEqual(['8021q', 'vlan-filtering']);
  });
  it('the route walk knows VLANs: an address of the same subnet in another VLAN of the bridge is not reachable', () => {
    const text = (vlan: number) => VLANS.replace(', subnet: 10.0.0.0/24', '').replace('    vlan: 10', `    vlan: ${vlan}\n    ip: [10.0.20.2/24, null]`) + 'checks:\n  - ping: { from: pc, to: 10.0.20.1 }\n';
    expect(load(text(10)).warnings!.map((w) => w.message)).toEqual([expect.stringContaining('which no node on that segment has')]);
    expect(load(text(20)).warnings).toEqual([]);
  });
});

describe('rule: hairpin, isolation, promiscuous mode and MACs', () => {
  const lab = () => load(`name: t
nodes:
  a: {}
  b: {}
  lan: { kind: bridge }
links:
  - endpoints: [a:eth0, lan]
    hairpin: true
    isolated: false
    promisc: true
    mac: [02:AA:00:00:00:01, 02:00:00:00:00:02]
  - endpoints: [a:eth1, b:eth0]
    mac: 02:00:00:00:00:03
    ip: [10.1.0.1/24, 10.1.0.2/24]
`);
  it('port options on the bridge end, after it is enslaved; promisc with the node end\'s up', () => {
    expect(argvOf(lab(), 'portopt:lan:a-eth0')).toBe('ip link set dev a-eth0 type bridge_slave hairpin on isolated off');
    expect(creationPlan(lab()).steps.find((s) => s.id === 'portopt:lan:a-eth0')!.deps).toEqual(['port:lan:a-eth0']);
    expect(argvOf(lab(), 'up:a:eth0')).toBe('ip link set dev eth0 promisc on up');
  });
  it('MACs, lower-cased, set when the veth pair is created; one value is the first endpoint\'s', () => {
    expect(argvOf(lab(), 'veth:0')).toBe('ip link add name eth0 address 02:aa:00:00:00:01 netns t-a type veth peer name a-eth0 address 02:00:00:00:00:02 netns t-lan');
    expect(argvOf(lab(), 'veth:1')).toBe('ip link add name eth1 address 02:00:00:00:00:03 netns t-a type veth peer name eth0 netns t-b');
  });
});

describe('rule: a vxlan link is a tunnel between the nodes, attached where the file says', () => {
  const TUN = `name: t
nodes:
  v1: {}
  v2: {}
  site: { kind: bridge }
links:
  - endpoints: [v1:eth0, v2:eth0]
    ip: [["fd00::1/64", 10.0.0.1/24], ["fd00::2/64", 10.0.0.2/24]]
    mtu: 9000
  - endpoints: [v1:vx0, v2:vx0]
    kind: vxlan
    vni: 7
    bridge: [site, null]
`;
  it('underlay: each node\'s first IPv4 address by default; the MTU is the underlay\'s less 50 bytes (IPv4)', () => {
    const l = load(TUN).links[1]!;
    expect(l.vxlan).toMatchObject({ vni: 7, port: 4789, tunnel: [{ node: 'v1', local: '10.0.0.1', remote: '10.0.0.2', bridge: 'site' }, { node: 'v2', local: '10.0.0.2', remote: '10.0.0.1' }] });
    expect(l.ends.map((e) => [e.node, e.kind, e.mtu])).toEqual([['site', 'bridge', 8950], ['v2', 'netns', 8950]]);
  });
  it('over IPv6 the encapsulation costs 70 bytes; `mtu` on the link wins', () => {
    const v6 = load(TUN.replace('    bridge: [site, null]', '    bridge: [site, null]\n    underlay: ["fd00::1", "fd00::2"]')).links[1]!;
    expect(v6.ends.map((e) => e.mtu)).toEqual([8930, 8930]);
    expect(v6.vxlan!.tunnel[0].remote).toBe('fd00::2');
    const set = load(TUN.replace('    bridge: [site, null]', '    bridge: [site, null]\n    mtu: 1400')).links[1]!;
    expect(set.ends.map((e) => e.mtu)).toEqual([1400, 1400]);
  });
  it('the plan creates each end in its node, moves a bridged end into the bridge, and the port waits for the move', () => {
    const lab = load(TUN);
    expect(argvOf(lab, 'vxlan:1:0')).toBe('ip link add name vx0 mtu 8950 type vxlan id 7 local 10.0.0.1 remote 10.0.0.2 dstport 4789');
    expect(argvOf(lab, 'vxmove:1:0')).toBe('ip link set dev vx0 netns t-site');
    expect(creationPlan(lab).steps.find((s) => s.id === 'port:site:vx0')!.deps).toEqual(['vxmove:1:0', 'bridge:site', 'gen:site:vx0']);
    expect(creationPlan(lab).steps.find((s) => s.id === 'vxlan:1:0')!.ns).toBe('t-v1');
    expect(labFeatures(lab)).toEqual(new Set(['vxlan']));
  });
});

describe('rule: a published port forwards to the node\'s IPv4 address on the bridge', () => {
  const lab = () => load(`name: t
nodes:
  srv: {}
  lan: { kind: bridge, subnet: 10.5.0.0/24, host: { ip: 10.5.0.254/24, publish: ["8080:srv:80", "5353:srv:53/udp"] } }
links:
  - endpoints: [srv:eth0, lan]
`);
  it('resolves the target, and adds PREROUTING and OUTPUT DNAT rules, tagged', () => {
    const host = (lab().nodes[1] as BridgeNode).host!;
    expect(host.publish.map((p) => `${p.hostPort}/${p.proto} -> ${p.target}:${p.port}`)).toEqual(['8080/tcp -> 10.5.0.1:80', '5353/udp -> 10.5.0.1:53']);
    expect(argvOf(lab(), 'publish:lan:tcp/8080:PREROUTING')).toBe('iptables -w -t nat -A PREROUTING -p tcp -m addrtype --dst-type LOCAL --dport 8080 -m comment --comment nslab:t -j DNAT --to-destination 10.5.0.1:80');
    expect(argvOf(lab(), 'publish:lan:udp/5353:OUTPUT')).toBe('iptables -w -t nat -A OUTPUT -p udp -m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 --dport 5353 -m comment --comment nslab:t -j DNAT --to-destination 10.5.0.1:53');
  });
  it('the footprint holds the rules, so down removes them (also from the kernel\'s tags alone)', () => {
    expect(footprintOf(lab()).natRules.map((r) => r[0])).toEqual(['PREROUTING', 'OUTPUT', 'PREROUTING', 'OUTPUT']);
  });
});
