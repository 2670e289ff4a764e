/**
 * The change plan (`nslab apply`, `nslab plan --against`): from one topology
 * to another, only what differs — one describe per rule. Pure: no kernel.
 */
import { describe, expect, it } from 'vitest';
import { changePlan, type ChangePlan } from '../../src/apply/diff.js';
import { connectText, disconnectText } from '../../src/apply/edit.js';
import { membership } from '../../src/apply/ports.js';
import { parseTopology } from '../../src/topology/load.js';
import type { Lab } from '../../src/topology/model.js';
import { changeToJson, changeToText } from '../../src/render/change.js';
import { expectOutput } from '../helpers/outputs.js';

function load(text: string, file = 't.yaml'): Lab {
  const r = parseTopology(file, text);
  if (!r.lab) throw new Error(r.diagnostics.map((d) => `${d.loc.line}:${d.loc.col} ${d.message}`).join('\n'));
  return r.lab;
}

const BASE = `name: t
nodes:
  lan: { kind: bridge, subnet: 10.0.0.0/24 }
  a:
    sysctl: { net.ipv4.ip_forward: 1 }
    routes: [{ to: 10.9.0.0/16, via: 10.1.0.2 }]
    services: { web: { cmd: "sleep 100" } }
  b: {}
  c: {}
links:
  - endpoints: [a:eth0, lan]
  - endpoints: [b:eth0, lan]
  - endpoints: [a:eth1, c:eth0]
    ip: [10.1.0.1/24, 10.1.0.2/24]
`;

/** The change from BASE to BASE edited by `edit`. */
const change = (edit: (t: string) => string, base = BASE): ChangePlan => changePlan(load(base, 'from.yaml'), load(edit(base), 'to.yaml'));
const ops = (c: ChangePlan) => c.changes.map((x) => `${x.op} ${x.what}${x.detail ? `: ${x.detail}` : ''}`);
const argv = (p: ChangePlan['remove']) => p.steps.map((s) => `${s.ns ?? 'host'}: ${s.argv.join(' ')}`);

describe('rule: the same topology changes nothing', () => {
  it('no changes, no steps, no services touched — also when only checks and comments differ', () => {
    const c = change((t) => `# a comment\n${t}checks:\n  - ping: { from: a, to: b }\n`);
    expect(c.changes).toEqual([]);
    expect([c.remove, c.edit, c.create].map((p) => p.steps.length)).toEqual([0, 0, 0]);
    expect(c.services).toEqual({ stop: [], start: [] });
  });
});

describe('rule: a new node gets exactly the steps `up` would run for it; nothing else is created', () => {
  it('its namespace, loopback, links and addresses; dependencies on what exists already are met', () => {
    const c = change((t) => t.replace('  c: {}\n', '  c: {}\n  d: {}\n') + '  - endpoints: [d:eth0, lan]\n');
    expect(ops(c)).toEqual(['+ node d', '+ link d:eth0 <-> lan:d-eth0']);
    expect(c.create.steps.map((s) => s.id)).toEqual(['netns:d', 'veth:3', 'gen:lan:d-eth0', 'port:lan:d-eth0', 'lo:d', 'addr:d:eth0:10.0.0.3/24', 'gen:d:eth0', 'up:d:eth0']);
    // veth:3 needed netns:lan too, which exists: only netns:d is left.
    expect(c.create.steps.find((s) => s.id === 'veth:3')!.deps).toEqual(['netns:d']);
    expect(c.create.steps.find((s) => s.id === 'port:lan:d-eth0')!.deps).toEqual(['veth:3', 'gen:lan:d-eth0']);
    expect(c.remove.steps).toEqual([]);
  });
});

describe('rule: a removed node goes with its namespace; its links go from the nodes that stay', () => {
  it('netns del for the node, link del on the kept end, routes through it are the file\'s to change', () => {
    const c = change((t) => t.replace('  c: {}\n', '').replace('  - endpoints: [a:eth1, c:eth0]\n    ip: [10.1.0.1/24, 10.1.0.2/24]\n', '').replace('    routes: [{ to: 10.9.0.0/16, via: 10.1.0.2 }]\n', ''));
    expect(ops(c)).toEqual(['- node c', '- a route 10.9.0.0/16', '- link a:eth1 <-> c:eth0']);
    expect(argv(c.remove)).toEqual(['host: ip netns del t-c', 't-a: ip route del 10.9.0.0/16 via 10.1.0.2', 't-a: ip link del dev eth1']);
    expect(c.remove.steps.every((s) => s.ifAbsent === 'ok')).toBe(true);
    expect(c.changes[0]!.loc).toMatchObject({ file: 'from.yaml', line: 9 });
  });
  it('a node whose kind changes is removed and created anew; its services stop and start', () => {
    const c = change((t) => t.replace('  b: {}\n', '  b: { kind: bridge }\n').replace('  - endpoints: [b:eth0, lan]\n', '  - endpoints: [b, lan]\n'));
    expect(ops(c)).toEqual(['- node b', '+ bridge b', '- link b:eth0 <-> lan:b-eth0', '+ link b:lan-1 <-> lan:b-1']);
  });
});

describe('rule: an interface keeps its identity while its settings change in place', () => {
  it('MTU, txqueuelen, MAC and promisc: one `ip link set` per end, on the end\'s own namespace', () => {
    const c = change((t) => t.replace('  - endpoints: [b:eth0, lan]\n', '  - endpoints: [b:eth0, lan]\n    mtu: 9000\n    txqueuelen: 100\n    promisc: true\n    mac: [02:00:00:00:00:09]\n'));
    expect(argv(c.edit)).toEqual(['t-b: ip link set dev eth0 mtu 9000 txqueuelen 100 address 02:00:00:00:00:09 promisc on', 't-lan: ip link set dev b-eth0 mtu 9000 txqueuelen 100']);
    expect(ops(c)).toEqual(['~ b:eth0: mtu default → 9000, txqueuelen default → 100, mac random → 02:00:00:00:00:09, promisc on', '~ lan:b-eth0: mtu default → 9000, txqueuelen default → 100']);
    expect(c.create.steps).toEqual([]);
  });
  it('a setting the file drops is left as it is, with a note (the kernel has no "unset")', () => {
    const withMtu = BASE.replace('  - endpoints: [b:eth0, lan]\n', '  - endpoints: [b:eth0, lan]\n    mtu: 9000\n');
    const c = changePlan(load(withMtu), load(BASE));
    expect(c.edit.steps).toEqual([]);
    expect(c.notes).toEqual(['b:eth0: no MTU set any more; it keeps 9000 until the link is rebuilt', 'lan:b-eth0: no MTU set any more; it keeps 9000 until the link is rebuilt']);
  });
  it('addresses: the old one deleted first, the new one added from the creation plan', () => {
    const c = change((t) => t.replace('ip: [10.1.0.1/24, 10.1.0.2/24]', 'ip: [10.1.0.1/24, 10.1.0.3/24]'));
    expect(ops(c)).toEqual(['- c:eth0 address 10.1.0.2/24', '+ c:eth0 address 10.1.0.3/24']);
    expect(argv(c.remove)).toEqual(['t-c: ip addr del 10.1.0.2/24 dev eth0']);
    expect(argv(c.create)).toEqual(['t-c: ip addr add 10.1.0.3/24 dev eth0']);
  });
  it('an impairment replaced: the old qdisc deleted, the new one added', () => {
    const shaped = (rate: string) => BASE.replace('    ip: [10.1.0.1/24, 10.1.0.2/24]\n', `    ip: [10.1.0.1/24, 10.1.0.2/24]\n    netem: { a: { shape: { rate: ${rate} } } }\n`);
    const c = changePlan(load(shaped('10mbit')), load(shaped('20mbit')));
    expect(ops(c)).toEqual(['~ a:eth1 netem']);
    expect(argv(c.edit)).toEqual(['t-a: tc qdisc del dev eth1 root']);
    expect(argv(c.create)).toEqual([expect.stringMatching(/^t-a: tc qdisc add dev eth1 root handle 1: tbf rate 20mbit /)]);
  });
  it('a new txqueuelen under a pfifo queue makes the queue again (a pfifo keeps the length it was made with)', () => {
    const queued = (txq: number) => BASE.replace('    ip: [10.1.0.1/24, 10.1.0.2/24]\n', `    ip: [10.1.0.1/24, 10.1.0.2/24]\n    txqueuelen: ${txq}\n    netem: { a: { shape: { rate: 20mbit, queue: pfifo } } }\n`);
    const c = changePlan(load(queued(100)), load(queued(1000)));
    expect(ops(c)).toEqual(['~ a:eth1: txqueuelen 100 → 1000', '~ a:eth1 netem: its pfifo rebuilt for the new txqueuelen', '~ c:eth0: txqueuelen 100 → 1000']);
    expect(argv(c.edit)).toEqual(['t-a: ip link set dev eth1 txqueuelen 1000', 't-a: tc qdisc del dev eth1 root', 't-c: ip link set dev eth0 txqueuelen 1000']);
    expect(argv(c.create)).toEqual([expect.stringMatching(/^t-a: tc qdisc add dev eth1 root handle 1: tbf rate 20mbit /), 't-a: tc qdisc add dev eth1 parent 1:1 handle 2: pfifo']);
  });
});

describe('rule: node settings change in place', () => {
  it('a sysctl changed is set again; one removed is noted, not reset', () => {
    const c = change((t) => t.replace('net.ipv4.ip_forward: 1', 'net.ipv4.ip_forward: 0, net.ipv4.conf.all.rp_filter: 2'));
    expect(ops(c)).toEqual(['~ a sysctl net.ipv4.ip_forward: 1 → 0', '+ a sysctl net.ipv4.conf.all.rp_filter: 2']);
    expect(argv(c.create)).toEqual(['t-a: sysctl -w net.ipv4.ip_forward=0', 't-a: sysctl -w net.ipv4.conf.all.rp_filter=2']);
    const gone = change((t) => t.replace('    sysctl: { net.ipv4.ip_forward: 1 }\n', ''));
    expect(gone.notes).toEqual(['a: sysctl net.ipv4.ip_forward is no longer set by the file; it keeps its value (1) until the node is rebuilt']);
  });
  it('a route whose gateway changes is deleted and added; routes are told apart by destination and metric', () => {
    const c = change((t) => t.replace('routes: [{ to: 10.9.0.0/16, via: 10.1.0.2 }]', 'routes: [{ to: 10.9.0.0/16, via: 10.1.0.3 }, { to: 10.9.0.0/16, via: 10.1.0.2, metric: 20 }]').replace('ip: [10.1.0.1/24, 10.1.0.2/24]', 'ip: [10.1.0.1/24, [10.1.0.2/24, 10.1.0.3/24]]'));
    expect(ops(c)).toEqual(['~ a route 10.9.0.0/16: via 10.1.0.2 → via 10.1.0.3', '+ a route 10.9.0.0/16 metric 20: via 10.1.0.2', '+ c:eth0 address 10.1.0.3/24']);
    expect(argv(c.remove)).toEqual(['t-a: ip route del 10.9.0.0/16 via 10.1.0.2']);
    expect(c.create.steps.map((s) => s.id)).toEqual(['route:a:10.9.0.0/16', 'route:a:10.9.0.0/16:20', 'addr:c:eth0:10.1.0.3/24']);
  });
  it('an nft ruleset changed is flushed and loaded again; changed setup commands do not run again (noted)', () => {
    const c = change((t) => t.replace('  b: {}\n', '  b: { nft: "table inet f {}\\n", setup: ["true"] }\n'));
    expect(ops(c)).toEqual(['+ b nftables ruleset']);
    expect(c.edit.steps.map((s) => s.argv.join(' '))).toEqual(['ip netns exec t-b nft flush ruleset']);
    expect(c.create.steps.map((s) => s.id)).toEqual(['nft:b']);
    expect(c.notes).toEqual([expect.stringContaining('b: its setup commands changed; setup runs when a node is created')]);
  });
});

describe('rule: bridges, ports, VLANs and host attachments change in place', () => {
  it('bridge options: the ones set, and a dropped one back to the kernel\'s default', () => {
    const from = BASE.replace('subnet: 10.0.0.0/24 }', 'subnet: 10.0.0.0/24, stp: true, mcast_snooping: false }');
    const c = changePlan(load(from), load(BASE.replace('subnet: 10.0.0.0/24 }', 'subnet: 10.0.0.0/24, ageing_time: 10s, mcast_snooping: false }')));
    expect(argv(c.edit)).toEqual(['t-lan: ip link set dev lan type bridge stp_state 0 mcast_snooping 0 ageing_time 1000']);
  });
  it('port options: only what differs, a dropped one back to off; VLANs by membership', () => {
    const vlan = (opts: string) => `name: t\nnodes:\n  sw: { kind: bridge, vlan_filtering: true }\n  p: {}\nlinks:\n  - endpoints: [p:eth0, sw]\n${opts}`;
    const c = changePlan(load(vlan('    hairpin: true\n    vlan: 10\n')), load(vlan('    isolated: true\n    vlans: [10, 20]\n')));
    expect(argv(c.edit)).toEqual([
      't-sw: ip link set dev p-eth0 type bridge_slave hairpin off isolated on',
      't-sw: bridge vlan add dev p-eth0 vid 10',
      't-sw: bridge vlan add dev p-eth0 vid 20',
    ]);
    const back = changePlan(load(vlan('    vlan: 10\n')), load(vlan('')));
    expect(argv(back.edit)).toEqual(['t-sw: bridge vlan del dev p-eth0 vid 10', 't-sw: bridge vlan add dev p-eth0 vid 1 pvid untagged']);
  });
  it('a port without VLAN options is an untagged member of VLAN 1', () => {
    expect(membership(undefined)).toEqual([{ vid: 1, pvid: true }]);
    expect(membership({ hairpin: true })).toEqual([{ vid: 1, pvid: true }]);
    expect(membership({ pvid: 5, tagged: [7] })).toEqual([{ vid: 5, pvid: true }, { vid: 7, pvid: false }]);
  });
  it('published ports come and go one by one; a host attachment whose address changes is rebuilt', () => {
    const host = (extra: string, ip = '10.0.0.254/24') => BASE.replace('subnet: 10.0.0.0/24 }', `subnet: 10.0.0.0/24, host: { ip: ${ip}${extra} } }`);
    const c = changePlan(load(host(', publish: ["80:b:8080"]')), load(host(', publish: ["81:b:8080"]')));
    expect(ops(c)).toEqual(['- bridge lan publish 80:b:8080', '+ bridge lan publish 81:b:8080']);
    expect(c.remove.steps.map((s) => s.argv.slice(4, 6).join(' '))).toEqual(['-D PREROUTING', '-D OUTPUT']);
    expect(c.create.steps.map((s) => s.id)).toEqual(['publish:lan:tcp/81:PREROUTING', 'publish:lan:tcp/81:OUTPUT']);
    const moved = changePlan(load(host('')), load(host('', '10.0.0.253/24')));
    expect(ops(moved)).toEqual(['~ bridge lan host attachment']);
    expect(moved.remove.steps.map((s) => s.argv.join(' '))).toEqual([expect.stringMatching(/^ip link del dev nsl[0-9a-f]{8}$/)]);
    expect(moved.create.steps.map((s) => s.id)).toEqual(['hostveth:lan', 'hostalias:lan', 'hostaddr:lan', 'hostup:lan', 'port:lan:host0']);
  });
});

describe('rule: a tunnel is identified by what its devices are created with', () => {
  it('a new VNI is a new tunnel: the old devices deleted, the new ones created', () => {
    const tun = (vni: number) => `name: t\nnodes:\n  v1: {}\n  v2: {}\nlinks:\n  - endpoints: [v1:eth0, v2:eth0]\n    ip: [10.0.0.1/24, 10.0.0.2/24]\n  - endpoints: [v1:vx0, v2:vx0]\n    kind: vxlan\n    vni: ${vni}\n    ip: [10.5.0.1/24, 10.5.0.2/24]\n`;
    const c = changePlan(load(tun(1)), load(tun(2)));
    expect(ops(c)).toEqual(['- link v1:vx0 <-> v2:vx0 (vxlan 1)', '+ link v1:vx0 <-> v2:vx0 (vxlan 2)']);
    expect(argv(c.remove)).toEqual(['t-v1: ip link del dev vx0', 't-v2: ip link del dev vx0']);
    expect(c.create.steps.map((s) => s.id)).toEqual(['vxlan:1:0', 'vxlan:1:1', 'addr:v1:vx0:10.5.0.1/24', 'gen:v1:vx0', 'up:v1:vx0', 'addr:v2:vx0:10.5.0.2/24', 'gen:v2:vx0', 'up:v2:vx0']);
  });
});

describe('rule: services start, stop or restart only when they or their node change', () => {
  it('a changed command restarts it; an unchanged one on a kept node is left alone; a new node\'s services start', () => {
    const c = change((t) => t.replace('cmd: "sleep 100"', 'cmd: "sleep 200"').replace('  b: {}\n', '  b: { services: { db: { cmd: "sleep 1" } } }\n'));
    expect(c.services.stop).toEqual(['a/web']);
    expect(c.services.start.map((s) => s.id)).toEqual(['a/web', 'b/db']);
    expect(ops(c)).toEqual(['~ service a/web: restarted', '+ service b/db']);
    expect(change((t) => t.replace('  c: {}\n', '  c: {}\n  d: {}\n')).services).toEqual({ stop: [], start: [] });
  });
});

describe('rule: connect and disconnect are edits of the running topology', () => {
  const lab = () => load(BASE);
  it('connect appends a link to the bridge; without --ip the bridge\'s subnet gives the next free address, and nobody else\'s moves', () => {
    const text = connectText(BASE, lab(), 'c', 'eth5', 'lan');
    const after = load(text);
    expect(after.links.at(-1)!.ends.map((e) => `${e.node}:${e.ifname} ${e.addresses.map((a) => a.text).join(' ')}`)).toEqual(['c:eth5 10.0.0.3/24', 'lan:c-eth5 ']);
    const c = changePlan(lab(), after);
    expect(ops(c)).toEqual(['+ link c:eth5 <-> lan:c-eth5']);
    expect(load(connectText(BASE, lab(), 'c', 'eth5', 'lan', '10.0.0.99/24')).links.at(-1)!.ends[0].addresses[0]!.text).toBe('10.0.0.99/24');
  });
  it('disconnect removes the link statement; a ranged link is the file\'s to change', () => {
    const c = changePlan(lab(), load(disconnectText(BASE, lab(), 'b', 'eth0')));
    expect(ops(c)).toEqual(['- link b:eth0 <-> lan:b-eth0']);
    const ranged = 'name: t\nnodes:\n  "h{1..2}": {}\n  sw: { kind: bridge }\nlinks:\n  - endpoints: ["h{1..2}:eth0", sw]\n';
    expect(() => disconnectText(ranged, load(ranged), 'h1', 'eth0')).toThrow(/belongs to a ranged link/);
  });
  it('refuses what is not there: an unknown node or bridge, a bridge without a subnet and no --ip, an interface on no link', () => {
    expect(() => connectText(BASE, lab(), 'zz', 'eth5', 'lan')).toThrow(/has no node zz/);
    expect(() => connectText(BASE, lab(), 'c', 'eth5', 'b')).toThrow(/b is a node, not a bridge/);
    const noSubnet = BASE.replace(', subnet: 10.0.0.0/24', '').replace('  - endpoints: [a:eth0, lan]\n  - endpoints: [b:eth0, lan]\n', '');
    expect(() => connectText(noSubnet, load(noSubnet), 'c', 'eth5', 'lan')).toThrow(/has no subnet/);
    expect(() => disconnectText(BASE, lab(), 'b', 'eth9')).toThrow(/not on any link/);
  });
});

describe('rule: the change plan reads like the creation plan', () => {
  it('text: each change with its line (a removal with where it was), the notes, then the commands by phase', () => {
    const c = change((t) => t.replace('  c: {}\n', '').replace('  - endpoints: [a:eth1, c:eth0]\n    ip: [10.1.0.1/24, 10.1.0.2/24]\n', '').replace('    routes: [{ to: 10.9.0.0/16, via: 10.1.0.2 }]\n', '').replace('net.ipv4.ip_forward: 1', 'net.ipv4.ip_forward: 0'));
    expect(changeToText(c)).toBe([
      'lab t: 4 changes to match to.yaml',
      '  - node c                               (was from.yaml:9:3)',
      '  ~ a sysctl net.ipv4.ip_forward: 1 → 0  to.yaml:5:15',
      '  - a route 10.9.0.0/16                  (was from.yaml:6:14)',
      '  - link a:eth1 <-> c:eth0               (was from.yaml:13:5)',
      '',
      'steps, in order:',
      '  # remove',
      '  ip netns del t-c  # (already gone is fine)',
      '  ip -n t-a route del 10.9.0.0/16 via 10.1.0.2  # (already gone is fine)',
      '  ip -n t-a link del dev eth1  # (already gone is fine)',
      '  # create',
      '  ip netns exec t-a sysctl -w net.ipv4.ip_forward=0',
      '',
    ].join('\n'));
    expect(changeToText(change((t) => t))).toBe('lab t: no changes; the running lab already matches to.yaml\n');
  });
  it('JSON: the `change` output schema', () => {
    const c = change((t) => t.replace('  c: {}\n', '  c: {}\n  d: {}\n'));
    expectOutput('change', JSON.stringify({ version: 1, applied: false, ...changeToJson(c) }));
  });
  it('one change, a service restarted, the steps left out on request; JSON names each kind of change', () => {
    const c = change((t) => t.replace('sleep 100', 'sleep 200'));
    expect(changeToText(c, { steps: false })).toBe('lab t: 1 change to match to.yaml\n  ~ service a/web: restarted  to.yaml:7:17\n');
    expect(changeToText(c).split('\n').slice(-4)).toEqual(['  # services', '  stop a/web', '  start a/web', '']);
    const mixed = change((t) => t.replace('  c: {}\n', '  c: {}\n  d: {}\n').replace('  b: {}\n', '').replace('  - endpoints: [b:eth0, lan]\n', '').replace('net.ipv4.ip_forward: 1', 'net.ipv4.ip_forward: 0'));
    const doc = changeToJson(mixed) as { changes: { op: string; what: string; detail?: string; source: string }[]; services: unknown; steps: { create: { id: string; source?: string }[] } };
    expect(doc.changes.map((x) => x.op).sort()).toEqual(['add', 'change', 'remove', 'remove']);
    expect(doc.changes.find((x) => x.op === 'change')).toEqual({ op: 'change', what: 'a sysctl net.ipv4.ip_forward', detail: '1 → 0', source: 'to.yaml:5:15' });
    expect(doc.changes.find((x) => x.op === 'add')).toEqual({ op: 'add', what: 'node d', source: 'to.yaml:9:3' }); // b's line is gone
    expect(doc.steps.create.find((x) => x.id === 'netns:d')).toMatchObject({ source: 'to.yaml:9:3' });
    expect((changeToJson(c) as { services: unknown }).services).toEqual({ stop: ['a/web'], start: ['a/web'] });
  });
});
