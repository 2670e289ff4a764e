/**
 * A lab over several hosts, planned without touching any: the hosts file,
 * the placement (pins, capacity, tunnels), the parts each host builds and
 * their plans.
 */
import { describe, expect, it } from 'vitest';
import { parseHostsFile, type HostsSpec } from '../../src/multihost/hosts-file.js';
import { placeLab } from '../../src/multihost/place.js';
import { planAcrossHosts, underlayNeeds } from '../../src/multihost/plan.js';
import { placementToText } from '../../src/render/placement.js';
import { splitLab } from '../../src/multihost/split.js';
import { loadTopology } from '../../src/topology/load.js';
import type { Lab } from '../../src/topology/model.js';
import { read } from '../helpers/fixtures.js';
import { formatDiagnostics } from '../../src/diagnostics.js';
import { bufferIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { expectOutput } from '../helpers/outputs.js';
import { golden } from '../helpers/golden.js';
import { shellQuote, sshArgv, sshCloseArgv } from '../../src/multihost/ssh.js';
import { deployParts, downOnHosts, preflightHosts } from '../../src/multihost/deploy.js';
import { RecordingRunner, SpawnRunner } from '../../src/exec/runner.js';
import { labFeatures } from '../../src/exec/doctor.js';
import { assignCheck, assignChecks, mergeReach } from '../../src/multihost/checks.js';
import type { CheckResult } from '../../src/checks/result.js';

const hostsFrom = (text: string, file = 'hosts.yaml'): HostsSpec => {
  const { spec, diagnostics } = parseHostsFile(file, text);
  if (!spec) throw new Error(formatDiagnostics(diagnostics, text));
  return spec;
};
const twoHosts = () => hostsFrom('hosts:\n  ha: { ssh: root@192.0.2.10 }\n  hb: { ssh: root@192.0.2.11 }\n');
const threeHosts = () => hostsFrom('hosts:\n  ha: { ssh: root@192.0.2.10 }\n  hb: { ssh: root@192.0.2.11 }\n  hc: { ssh: root@192.0.2.12 }\n');
const lab = (text: string): Lab => loadTopology('lab.yaml', text);

/** n routers in a line, r1 … rn, each pair on its own /30. */
const chain = (n: number) =>
  lab(`name: chain\nnodes:\n  "r{1..${n}}": {}\nlinks:\n${Array.from({ length: n - 1 }, (_, i) => `  - endpoints: [r${i + 1}:right, r${i + 2}:left]\n    ip: [10.0.${i}.1/30, 10.0.${i}.2/30]`).join('\n')}\n`);
/** n hosts on one bridge. */
const star = (n: number, extra = '') => lab(`name: star\nnodes:\n  "h{1..${n}}": {}\n  sw: { kind: bridge, subnet: 10.1.0.0/16${extra} }\nlinks:\n  - endpoints: ["h{1..${n}}:eth0", sw]\n`);

describe('hosts file: machines, their tunnel addresses, shares and pins', () => {
  it('reads a valid file, with the defaults for what it leaves out', () => {
    const spec = hostsFrom(read('test/fixtures/hosts/three.yaml'));
    expect(spec.hosts.map((h) => [h.name, h.ssh, h.underlay, h.weight])).toEqual([
      ['ha', 'root@192.0.2.10', '192.0.2.10', 1],
      ['hb', 'root@192.0.2.11', '192.0.2.11', 1],
      ['hc', 'root@lab-c.example', '192.0.2.12', 2],
    ]);
    expect(spec.pins).toMatchObject([{ nodes: 'h{1..2}', host: 'ha', loc: { line: 7, col: 3 } }]);
    expect([spec.port, spec.vniBase]).toEqual([14789, 1000000]);
    const bare = twoHosts();
    expect([bare.port, bare.vniBase, bare.pins]).toEqual([14789, 1_000_000, []]);
  });

  it('reports every problem at its line: a name without an address, an ssh option, a shared address, a bad name, an unknown host', () => {
    const text = read('test/fixtures/hosts/invalid.yaml');
    const { spec, diagnostics } = parseHostsFile('invalid.yaml', text);
    expect(spec).toBeUndefined();
    const got = diagnostics.map((d) => `${d.loc.line}:${d.loc.col} ${d.message}`);
    // The structural problem (an ssh destination that is an option) comes alone, before meaning is checked.
    expect(got).toEqual([expect.stringMatching(/^4:14 hosts\.hc\.ssh: expected an SSH destination/)]);
    const fixed = text.replace(/ {2}hc:.*\n/, '');
    const second = parseHostsFile('invalid.yaml', fixed).diagnostics.map((d) => `${d.loc.line}:${d.loc.col} ${d.message}`);
    expect(second).toEqual([
      '3:14 `lab-b.example` names the host, not an address, and no `underlay` says which address carries its tunnels',
      '4:14 host `ha` already has underlay address 192.0.2.10',
      '5:3 `Bad` is not a usable host name',
      '5:42 `not-an-address` is not an IP address',
      '7:7 unknown host `hx`',
    ]);
  });

  it('refuses ssh destinations that ssh would read as options or that carry shell syntax', () => {
    for (const bad of ['-oProxyCommand=id', 'root@host;id', 'a b', 'root@$(id)']) {
      expect(parseHostsFile('h.yaml', `hosts:\n  ha: { ssh: "${bad}", underlay: 192.0.2.1 }\n`).spec, bad).toBeUndefined();
    }
    expect(parseHostsFile('h.yaml', 'hosts:\n  ha: { ssh: "root@[2001:db8::1]" }\n').spec?.hosts[0]!.underlay).toBe('2001:db8::1');
  });

  it('refuses underlays of two families, and an empty list of hosts', () => {
    expect(parseHostsFile('h.yaml', 'hosts:\n  ha: { ssh: root@192.0.2.1 }\n  hb: { ssh: "root@[2001:db8::1]" }\n').diagnostics[0]!.message).toMatch(/mix IPv4 and IPv6/);
    expect(parseHostsFile('h.yaml', 'hosts: {}\n').diagnostics[0]!.message).toBe('no hosts are listed');
  });
});

describe('placement: pins first, then tightly linked nodes together, within each host\'s share', () => {
  it('splits a 1000-host star in two halves joined by one tunnel', () => {
    const { placement } = placeLab(star(1000), twoHosts());
    expect(placement!.byHost.get('ha')!.length + placement!.byHost.get('hb')!.length).toBe(1001);
    expect(Math.abs(placement!.byHost.get('ha')!.length - placement!.byHost.get('hb')!.length)).toBeLessThanOrEqual(1);
    expect(placement!.cost).toEqual({ cutLinks: 0, spannedBridges: 1, segmentTunnels: 1, tunnels: 1 });
  });

  it('cuts a chain once per host boundary', () => {
    expect(placeLab(chain(12), twoHosts()).placement!.cost.cutLinks).toBe(1);
    expect(placeLab(chain(12), threeHosts()).placement!.cost.cutLinks).toBe(2);
  });

  it('gives each host its weight\'s share', () => {
    const spec = hostsFrom('hosts:\n  ha: { ssh: root@192.0.2.10, weight: 2 }\n  hb: { ssh: root@192.0.2.11 }\n');
    const { placement } = placeLab(chain(30), spec);
    expect([placement!.byHost.get('ha')!.length, placement!.byHost.get('hb')!.length]).toEqual([20, 10]);
    expect(placement!.cost.cutLinks).toBe(1);
  });

  it('keeps pins, ranges expanded, and places the rest around them', () => {
    const spec = hostsFrom('hosts:\n  ha: { ssh: root@192.0.2.10 }\n  hb: { ssh: root@192.0.2.11 }\nplace:\n  "r{1..3}": hb\n  r12: ha\n');
    const { placement } = placeLab(chain(12), spec);
    for (const r of ['r1', 'r2', 'r3']) expect(placement!.hostOf.get(r)).toBe('hb');
    expect(placement!.hostOf.get('r12')).toBe('ha');
    expect([...placement!.pinned].sort()).toEqual(['r1', 'r12', 'r2', 'r3']);
    expect(placement!.cost.cutLinks).toBe(1);
  });

  it('reports a pin of a node the lab does not have at the pin, with a suggestion', () => {
    const text = 'hosts:\n  ha: { ssh: root@192.0.2.10 }\nplace:\n  rr1: ha\n  "q{1..3}": ha\n';
    const { diagnostics } = placeLab(chain(3), hostsFrom(text));
    expect(diagnostics.map((d) => [d.loc.line, d.message, d.hint])).toEqual([
      [4, 'node `rr1` is not in lab `chain`', 'did you mean `r1`?'],
      [5, '3 nodes, e.g. `q1` are not in lab `chain`', 'did you mean `r1`?'],
    ]);
  });

  it('refuses a node pinned to two hosts', () => {
    const text = 'hosts:\n  ha: { ssh: root@192.0.2.10 }\n  hb: { ssh: root@192.0.2.11 }\nplace:\n  "r{1..2}": ha\n  r2: hb\n';
    expect(placeLab(chain(3), hostsFrom(text)).diagnostics.map((d) => d.message)).toEqual(['node `r2` is already pinned to `ha`']);
  });

  it('takes a co-located group to the host one of its members is pinned to', () => {
    const overlay = lab(read('topologies/overlay.yaml'));
    const pinned = hostsFrom('hosts:\n  ha: { ssh: root@192.0.2.10 }\n  hb: { ssh: root@192.0.2.11 }\n  hc: { ssh: root@192.0.2.12 }\nplace:\n  site2: hc\n');
    const { placement } = placeLab(overlay, pinned);
    // the VXLAN link joins vtep1, vtep2 and the bridges its ends are ports of
    expect(['vtep1', 'vtep2', 'site1', 'site2'].map((n) => placement!.hostOf.get(n))).toEqual(['hc', 'hc', 'hc', 'hc']);
    expect([...placement!.pinned]).toEqual(['site2']);
  });

  it('refuses pins that split a VXLAN link\'s group, at the link\'s line', () => {
    const overlay = lab(read('topologies/overlay.yaml'));
    const split = hostsFrom('hosts:\n  ha: { ssh: root@192.0.2.10 }\n  hb: { ssh: root@192.0.2.11 }\nplace:\n  vtep1: ha\n  site2: hb\n');
    const { placement, diagnostics } = placeLab(overlay, split);
    expect(placement).toBeUndefined();
    expect(diagnostics.map((d) => [d.loc.line, d.message, d.hint])).toEqual([
      [24, 'this VXLAN link joins `vtep1`, `site1`, `vtep2`, `site2`, which are pinned to different hosts', expect.stringContaining('pin them to one host')],
    ]);
    // pinned together, they are one host's
    expect(placeLab(overlay, hostsFrom('hosts:\n  ha: { ssh: root@192.0.2.10 }\n  hb: { ssh: root@192.0.2.11 }\nplace:\n  vtep1: hb\n  site2: hb\n')).diagnostics).toEqual([]);
  });

  it('lets pins take a host past its share, and fills the others around them', () => {
    const spec = hostsFrom('hosts:\n  ha: { ssh: root@192.0.2.10 }\n  hb: { ssh: root@192.0.2.11 }\nplace:\n  "r{1..8}": ha\n');
    const { placement } = placeLab(chain(10), spec);
    expect([...placement!.capacity]).toEqual([['ha', 8], ['hb', 5]]);
    expect(placement!.byHost.get('ha')).toEqual(['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8']);
    expect(placement!.byHost.get('hb')).toEqual(['r9', 'r10']);
  });

  it('places a lab without links by share alone, nothing to cut', () => {
    const { placement } = placeLab(lab('name: bare\nnodes:\n  "n{1..7}": {}\n'), twoHosts());
    expect([...placement!.capacity]).toEqual([['ha', 4], ['hb', 4]]);
    expect([placement!.byHost.get('ha')!.length, placement!.byHost.get('hb')!.length].sort()).toEqual([3, 4]);
    expect(placement!.cost.tunnels).toBe(0);
  });

  it('reports a pin whose range does not expand, at the pin', () => {
    const { diagnostics } = placeLab(chain(3), hostsFrom('hosts:\n  ha: { ssh: root@192.0.2.10 }\nplace:\n  "r{1..x}": ha\n'));
    expect(diagnostics.map((d) => [d.loc.line, d.loc.col, d.message, d.hint])).toEqual([[4, 3, '`r{1..x}` has a malformed range', 'a range is written `{1..10}`']]);
  });

  it('keeps two linked halves each whole on its host when they fit', () => {
    // two 5-node chains joined by one link: each chain is a community of its own
    const text = `name: halves\nnodes:\n  "a{1..5}": {}\n  "b{1..5}": {}\nlinks:\n  - endpoints: ["a{1..4}:r", "a{2..5}:l"]\n  - endpoints: ["b{1..4}:r", "b{2..5}:l"]\n  - endpoints: [a5:x, b1:x]\n`;
    const { placement } = placeLab(lab(text), twoHosts());
    const hostsOf = (p: string) => new Set(Array.from({ length: 5 }, (_, i) => placement!.hostOf.get(`${p}${i + 1}`)));
    expect([hostsOf('a').size, hostsOf('b').size]).toEqual([1, 1]);
    expect(placement!.cost.tunnels).toBe(1);
  });

  it('is the same on every run (a seeded partition)', () => {
    const once = () => [...placeLab(star(300, ''), threeHosts()).placement!.hostOf];
    expect(once()).toEqual(once());
  });

  it('keeps the nodes of a VXLAN link of the lab on one host', () => {
    const overlay = lab(read('topologies/overlay.yaml'));
    const { placement } = placeLab(overlay, threeHosts());
    for (const l of overlay.links.filter((x) => x.vxlan)) {
      const hosts = new Set(l.vxlan!.tunnel.flatMap((t) => [t.node, ...(t.bridge ? [t.bridge] : [])]).map((n) => placement!.hostOf.get(n)));
      expect(hosts.size).toBe(1);
    }
  });
});

describe('parts: each host builds its nodes, its copies of bridges, and its ends of the tunnels', () => {
  it('turns a cut link into a tunnel end on each side, with the link\'s addresses and one VNI', () => {
    const l = chain(4);
    const spec = hostsFrom('hosts:\n  ha: { ssh: root@192.0.2.10 }\n  hb: { ssh: root@192.0.2.11 }\nplace:\n  "r{1..2}": ha\n  "r{3..4}": hb\n');
    const { split } = splitLab(l, spec, placeLab(l, spec).placement!);
    const [a, b] = [split!.parts.get('ha')!, split!.parts.get('hb')!];
    expect(a.nodes.map((n) => n.name)).toEqual(['r1', 'r2']);
    expect(a.links).toHaveLength(1);
    expect(a.crossHost).toMatchObject([{ local: '192.0.2.10', remotes: ['192.0.2.11'], port: 14789, end: { node: 'r2', ifname: 'right', mtu: 1500, addresses: [{ text: '10.0.1.1/30' }] } }]);
    expect(b.crossHost).toMatchObject([{ local: '192.0.2.11', remotes: ['192.0.2.10'], end: { node: 'r3', ifname: 'left', addresses: [{ text: '10.0.1.2/30' }] } }]);
    expect(a.crossHost![0]!.vni).toBe(b.crossHost![0]!.vni);
    expect(split!.tunnels).toEqual([{ vni: a.crossHost![0]!.vni, kind: 'link', what: 'r2:right <-> r3:left', hosts: ['ha', 'hb'] }]);
    expect(a.checks).toEqual([]);
  });

  it('copies a bridge onto every host with its ports, joined by one VNI to every other copy', () => {
    const l = star(9, ', host: { ip: 10.1.255.254/16 }');
    const spec = hostsFrom('hosts:\n  ha: { ssh: root@192.0.2.10 }\n  hb: { ssh: root@192.0.2.11 }\n  hc: { ssh: root@192.0.2.12 }\nplace:\n  "h{1..3}": ha\n  "h{4..6}": hb\n  "h{7..9}": hc\n  sw: ha\n');
    const { split } = splitLab(l, spec, placeLab(l, spec).placement!);
    const vnis = new Set<number>();
    for (const [host, remotes] of [['ha', ['192.0.2.11', '192.0.2.12']], ['hb', ['192.0.2.10', '192.0.2.12']], ['hc', ['192.0.2.10', '192.0.2.11']]] as const) {
      const part = split!.parts.get(host)!;
      expect(part.nodes.filter((n) => n.kind === 'netns')).toHaveLength(3);
      expect(part.links).toHaveLength(3);
      expect(part.crossHost).toHaveLength(1);
      expect(part.crossHost![0]!.remotes.slice().sort()).toEqual(remotes);
      expect(part.crossHost![0]!.end).toMatchObject({ node: 'sw', kind: 'bridge', ifname: 'vxh0' });
      vnis.add(part.crossHost![0]!.vni);
      const sw = part.nodes.find((n) => n.name === 'sw')!;
      // The host attachment (gateway, NAT) is on the bridge's own host only.
      expect(sw.kind === 'bridge' && sw.host !== undefined).toBe(host === 'ha');
    }
    expect(vnis.size).toBe(1);
  });

  it('gives each lab its own block of VNIs from the hosts file\'s base', () => {
    const spec = hostsFrom('hosts:\n  ha: { ssh: root@192.0.2.10 }\n  hb: { ssh: root@192.0.2.11 }\ntunnels: { vni_base: 2000 }\n');
    const vni = (l: Lab) => splitLab(l, spec, placeLab(l, spec).placement!).split!.tunnels[0]!.vni;
    const [a, b] = [vni(chain(6)), vni(lab(`name: other\n${chain(6).source!.split('\n').slice(1).join('\n')}`))];
    expect(a).toBeGreaterThanOrEqual(2000);
    expect((a - 2000) % 4096).toBe(0);
    expect(a).not.toBe(b);
  });
});

describe('plans per host: the tunnel ends are created from the host, inside the node', () => {
  it('creates a cut link\'s end in its node with the host\'s underlay as the socket\'s address', () => {
    const spec = hostsFrom('hosts:\n  ha: { ssh: root@192.0.2.10 }\n  hb: { ssh: root@192.0.2.11 }\nplace:\n  "r{1..2}": ha\n  "r{3..4}": hb\n');
    const { plan } = planAcrossHosts(chain(4), spec);
    const steps = plan!.plans.get('ha')!.steps;
    const vx = steps.find((s) => s.id === 'hostvx:r2:right')!;
    expect(vx.ns).toBeNull();
    expect(vx.argv.join(' ')).toMatch(/^ip link add name right netns chain-r2 mtu 1500 type vxlan id \d+ local 192\.0\.2\.10 remote 192\.0\.2\.11 dstport 14789$/);
    // Addressed and brought up like any interface, after it exists.
    expect(steps.find((s) => s.id === 'addr:r2:right:10.0.1.1/30')!.deps).toContain('hostvx:r2:right');
  });

  it('floods a spread bridge\'s broadcasts to each other host (an all-zeros FDB entry per host) and makes the tunnel a port', () => {
    const { plan } = planAcrossHosts(star(30), threeHosts());
    for (const [host, p] of plan!.plans) {
      const fdb = p.steps.filter((s) => s.argv[0] === 'bridge');
      const others = plan!.spec.hosts.filter((h) => h.name !== host).map((h) => h.underlay);
      expect(fdb.map((s) => s.argv.join(' ')).sort()).toEqual(others.map((u) => `bridge fdb append 00:00:00:00:00:00 dev vxh0 dst ${u}`));
      expect(p.steps.find((s) => s.id === 'port:sw:vxh0')!.argv.join(' ')).toBe('ip link set dev vxh0 master sw up');
    }
  });
});

describe('nslab plan FILE --hosts: the placement, the tunnels, then each host\'s plan', () => {
  const THREE = 'test/fixtures/hosts/three.yaml';
  const nslab = async (...args: string[]) => {
    const io = bufferIo();
    const code = await main(['node', 'nslab', ...args], io);
    return { code, stdout: io.stdout, stderr: io.stderr };
  };

  it('prints the placement of topologies/chain.yaml over three hosts, then their plans (golden)', async () => {
    const r = await nslab('plan', 'topologies/chain.yaml', '--hosts', THREE);
    expect(r.code).toBe(0);
    golden('chain.three-hosts.sh', r.stdout.replaceAll(/nslab \S+: create/g, 'nslab golden: create'));
  });

  it('sums the placement up: tunnels in the singular and plural, nodes per host (a long list abbreviated), pins, VNIs', () => {
    const head = (text: string) => text.split('\n').filter((l) => l.startsWith('#   ') || l.startsWith('# lab'));
    const pinned = hostsFrom('hosts:\n  ha: { ssh: root@192.0.2.10 }\n  hb: { ssh: root@192.0.2.11 }\nplace:\n  sw: ha\n');
    const big = head(placementToText(planAcrossHosts(star(13), pinned).plan!, 'test'));
    expect(big[0]).toBe('# lab star over 2 hosts: 1 tunnel (0 cut links, 1 bridge over several hosts: 1)');
    expect(big.slice(1, 3)).toEqual(['#   ha (root@192.0.2.10, underlay 192.0.2.10): 7 nodes of at most 7, 1 pinned: h1 h2 h3 h4 h5 h6 sw', '#   hb (root@192.0.2.11, underlay 192.0.2.11): 7 nodes of at most 7: h7 h8 h9 h10 h11 h12 h13']);
    expect(big[3]).toMatch(/^# {3}VNI \d+ udp\/14789: bridge sw \(ha <-> hb\)$/);
    const long = head(placementToText(planAcrossHosts(chain(30), twoHosts()).plan!, 'test'));
    expect(long[0]).toBe('# lab chain over 2 hosts: 1 tunnel (1 cut link, 0 bridges over several hosts: 0)');
    expect(long[1]).toMatch(/: 15 nodes of at most 15: (r\d+ ){6}… (r\d+ ){2}r\d+$/);
    expect(long[3]).toMatch(/^# {3}VNI \d+ udp\/14789: link r\d+:\w+ <-> r\d+:\w+ \(h[ab] <-> h[ab]\)$/);
    const three = head(placementToText(planAcrossHosts(chain(12), threeHosts()).plan!, 'test'));
    expect(three[0]).toBe('# lab chain over 3 hosts: 2 tunnels (2 cut links, 0 bridges over several hosts: 0)');
    expect(three[1]).toMatch(/: 4 nodes of at most 4: r\d+ r\d+ r\d+ r\d+$/);
  });

  it('gives machines the placement as JSON in its documented shape', async () => {
    const r = await nslab('plan', 'topologies/chain.yaml', '--hosts', THREE, '--format', 'json');
    const doc = expectOutput('placement', r.stdout);
    expect(doc.hosts.map((h: { name: string; nodes: string[] }) => h.name)).toEqual(['ha', 'hb', 'hc']);
    expect(doc.hosts.flatMap((h: { nodes: string[] }) => h.nodes).sort()).toEqual(['h1', 'h2', 'r1', 'r2', 'r3', 'r4']);
    expect(doc.cost.tunnels).toBe(doc.tunnels.length);
  });

  it('exits 2 with the hosts file\'s line for a problem in it', async () => {
    const r = await nslab('plan', 'topologies/chain.yaml', '--hosts', 'test/fixtures/hosts/invalid.yaml');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('test/fixtures/hosts/invalid.yaml:4:14: hosts.hc.ssh: expected an SSH destination');
  });

  it('prints the hosts file\'s JSON Schema, checked in at schema/hosts.json', async () => {
    const r = await nslab('schema', '--hosts');
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(read('schema/hosts.json')));
  });
});

describe('ssh: the system client, every remote word quoted', () => {
  it('quotes what the remote shell would otherwise read as syntax', () => {
    expect(shellQuote('nslab')).toBe('nslab');
    expect(shellQuote('/opt/nslab/bin/nslab.js')).toBe('/opt/nslab/bin/nslab.js');
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote("it's; rm -rf /")).toBe("'it'\\''s; rm -rf /'");
    expect(shellQuote('$(id)')).toBe("'$(id)'");
  });

  it('runs in batch mode, multiplexed, with the hosts file\'s config, the destination after `--`', () => {
    const spec = hostsFrom('hosts:\n  ha: { ssh: root@192.0.2.10 }\nssh_config: /etc/nslab/ssh_config\nconnect_timeout: 3\nnslab: [node, /opt/nslab bin/nslab.js]\n');
    const argv = sshArgv(spec, spec.hosts[0]!, [...spec.nslab, 'part', 'hello'], { controlDir: '/run/nslab/ssh', session: '4242' });
    expect(argv).toEqual(['ssh', '-F', '/etc/nslab/ssh_config', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=3', '-o', 'ControlMaster=auto', '-o', 'ControlPath=/run/nslab/ssh/4242-%C', '-o', 'ControlPersist=yes', '--', 'root@192.0.2.10', "node '/opt/nslab bin/nslab.js' part hello"]);
  });
});

describe('ssh: without an ssh_config the client\'s own; a command\'s connection is closed by its socket', () => {
  const bare = () => hostsFrom('hosts:\n  ha: { ssh: root@192.0.2.10 }\n');
  const opts = { controlDir: '/run/nslab/ssh', session: '7' };

  it('leaves -F out when the hosts file names no config', () => {
    const spec = bare();
    expect(sshArgv(spec, spec.hosts[0]!, ['nslab', 'status'], opts)).toEqual(['ssh', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', '-o', 'ControlMaster=auto', '-o', 'ControlPath=/run/nslab/ssh/7-%C', '-o', 'ControlPersist=yes', '--', 'root@192.0.2.10', 'nslab status']);
  });

  it('closes the multiplexed connection through the same socket, with the same config', () => {
    const spec = bare();
    expect(sshCloseArgv(spec, spec.hosts[0]!, opts)).toEqual(['ssh', '-o', 'ControlPath=/run/nslab/ssh/7-%C', '-O', 'exit', '--', 'root@192.0.2.10']);
    const withConfig = hostsFrom('hosts:\n  ha: { ssh: root@192.0.2.10 }\nssh_config: /etc/nslab/ssh_config\n');
    expect(sshCloseArgv(withConfig, withConfig.hosts[0]!, opts).slice(0, 3)).toEqual(['ssh', '-F', '/etc/nslab/ssh_config']);
  });
});

describe('planning over hosts stops at the first stage that finds a problem', () => {
  it('returns the placement\'s diagnostics, or the split\'s, and no plan', () => {
    const pinnedAway = hostsFrom('hosts:\n  ha: { ssh: root@192.0.2.10 }\nplace:\n  nope: ha\n');
    const placed = planAcrossHosts(chain(3), pinnedAway);
    expect([placed.plan, placed.diagnostics.map((d) => d.message)]).toEqual([undefined, ['node `nope` is not in lab `chain`']]);
    // 4098 routers, every other one pinned to the other host: 4097 tunnels, over a lab's block
    const n = 4098;
    const long = lab(`name: long\nnodes:\n  "r{1..${n}}": {}\nlinks:\n  - endpoints: ["r{1..${n - 1}}:r", "r{2..${n}}:l"]\n`);
    const pins = Array.from({ length: n }, (_, i) => `  r${i + 1}: ${i % 2 ? 'hb' : 'ha'}`).join('\n');
    const split = planAcrossHosts(long, hostsFrom(`hosts:\n  ha: { ssh: root@192.0.2.10 }\n  hb: { ssh: root@192.0.2.11 }\nplace:\n${pins}\n`));
    expect([split.plan, split.diagnostics.map((d) => d.message)]).toEqual([undefined, ['this placement needs 4097 tunnels between hosts; a lab may have at most 4096']]);
  });

  it('gives each host a plan of its part, marked with the host', () => {
    const { plan } = planAcrossHosts(chain(6), twoHosts());
    expect([...plan!.plans.values()].map((p) => p.host)).toEqual(['ha', 'hb']);
    expect(plan!.lab).toBe('chain');
  });
});

describe('the lease: a host\'s build reads the end of its input as the coordinator gone', () => {
  it('holdInput keeps a process\'s stdin open after its input, until it exits', async () => {
    // `read -t 1` waits a second on an open stdin (status > 128) and returns 1 at once at its end.
    const probe = { argv: ['bash', '-c', 'read first; read -t 1 more; echo "$first $?"'], input: 'bundle\n', timeoutMs: 10_000 };
    expect((await new SpawnRunner().run({ ...probe, holdInput: true })).stdout.trim()).toBe('bundle 142');
    expect((await new SpawnRunner().run(probe)).stdout.trim()).toBe('bundle 1');
  });
});

describe('deploy over hosts: preflight everywhere first, a failure anywhere sweeps everywhere', () => {
  const spec = () => hostsFrom('hosts:\n  ha: { ssh: root@192.0.2.10 }\n  hb: { ssh: root@192.0.2.11 }\n');
  const remote = (runner: RecordingRunner) => ({ runner, spec: spec(), ssh: { controlDir: '/tmp/x', session: '1' }, version: '1.2.3' });
  const remoteArgs = (argv: readonly string[]) => argv.at(-1)!;

  it('refuses a host that cannot be reached, runs another version, or is not root', async () => {
    const runner = new RecordingRunner((req) => {
      if (req.argv.includes('root@192.0.2.10')) return { exitCode: 255, stderr: 'ssh: connect to host 192.0.2.10 port 22: No route to host' };
      return { stdout: JSON.stringify({ version: '1.2.2', root: true }) };
    });
    const out = await preflightHosts(remote(runner));
    expect(out.map((o) => [o.host, o.ok, o.unreachable ?? false])).toEqual([['ha', false, true], ['hb', false, false]]);
    expect(out[0]!.detail).toBe('cannot reach root@192.0.2.10: ssh: connect to host 192.0.2.10 port 22: No route to host');
    expect(out[1]!.detail).toBe('runs nslab 1.2.2, this is 1.2.3: the same version must run everywhere');
    const notRoot = await preflightHosts(remote(new RecordingRunner(() => ({ stdout: JSON.stringify({ version: '1.2.3', root: false }) }))));
    expect(notRoot[0]!.detail).toMatch(/is not root there/);
    expect(remoteArgs(runner.calls[0]!.argv)).toBe('nslab part hello');
  });

  it('asks each host for the kernel features its part needs, and refuses one that lacks them', async () => {
    const runner = new RecordingRunner((req) => ({ stdout: JSON.stringify({ version: '1.2.3', root: true, missing: req.argv.includes('root@192.0.2.11') ? ['vxlan (modprobe vxlan)'] : [] }) }));
    const out = await preflightHosts(remote(runner), new Map([['ha', ['vxlan']], ['hb', ['vxlan', 'netem']]]));
    expect(runner.calls.map((c) => remoteArgs(c.argv))).toEqual(['nslab part hello vxlan', 'nslab part hello vxlan netem']);
    expect(out.map((o) => [o.host, o.ok, o.detail])).toEqual([['ha', true, 'nslab 1.2.3, root'], ['hb', false, 'its kernel lacks what its part needs: vxlan (modprobe vxlan)']]);
  });

  it('a part with tunnels to other hosts needs the vxlan module', () => {
    const { plan } = planAcrossHosts(chain(4), spec());
    for (const part of plan!.split.parts.values()) expect([...labFeatures(part)]).toEqual(['vxlan']);
    expect([...labFeatures(chain(4))]).toEqual([]);
  });

  it('sends each host the files and the coordinator\'s placement, and reads back its result', async () => {
    const l = chain(4);
    const { plan } = planAcrossHosts(l, spec());
    const runner = new RecordingRunner((req) => ({ stdout: JSON.stringify({ namespaces: 2, steps: 20 }), exitCode: req.argv.includes('root@192.0.2.11') ? 3 : 0, stderr: 'deploy failed: r3' }));
    const out = await deployParts(remote(runner), plan!, { topology: { file: 'lab.yaml', text: l.source! }, hosts: { file: 'hosts.yaml', text: 'hosts: …' } });
    expect(out.map((o) => [o.host, o.ok, o.detail])).toEqual([['ha', true, '2 namespaces, 20 steps'], ['hb', false, 'deploy failed: r3']]);
    const bundle = JSON.parse(runner.calls[0]!.input!);
    expect(bundle).toMatchObject({ version: '1.2.3', host: 'ha', topology: { file: 'lab.yaml' }, hosts: { file: 'hosts.yaml' } });
    expect(bundle.placement).toEqual(Object.fromEntries(plan!.placement.hostOf));
  });

  it('down asks every host, and tells a swept host from an unreachable one', async () => {
    const runner = new RecordingRunner((req) => (req.argv.includes('root@192.0.2.11') ? { exitCode: 255, stderr: 'timed out' } : { stdout: JSON.stringify({ was_running: true, namespaces: 3 }) }));
    const out = await downOnHosts(remote(runner), 'lab1');
    expect(out.map((o) => [o.host, o.ok, o.unreachable ?? false, o.detail])).toEqual([['ha', true, false, 'removed 3 namespaces'], ['hb', false, true, 'cannot reach root@192.0.2.11: timed out']]);
    expect(runner.calls.map((c) => remoteArgs(c.argv))).toEqual(['nslab down lab1 --json', 'nslab down lab1 --json']);
  });
});

describe('checks over hosts: each on its node\'s host; a reach over several hosts split by source and merged', () => {
  const l = () => lab(`name: mix
nodes:
  "n{1..4}": {}
  sw: { kind: bridge, subnet: 10.9.0.0/24 }
links:
  - endpoints: ["n{1..4}:eth0", sw]
checks:
  - reach: { among: ["n{1..4}"] }
  - ping: { from: n3, to: n1 }
  - iperf: { from: n1, to: n4 }
  - reach: { among: [n1, n2] }
`);
  const hostOf = new Map([['n1', 'ha'], ['n2', 'ha'], ['n3', 'hb'], ['n4', 'hb'], ['sw', 'ha']]);

  it('assigns each check to the host of its node, splits the spread reach, sets apart what needs two hosts at once', () => {
    const x = l();
    const { perHost, spread } = assignChecks(x, x.checks, hostOf);
    expect(perHost).toEqual([
      { host: 'ha', checks: [{ index: 0, sources: ['n1', 'n2'] }, { index: 3 }] },
      { host: 'hb', checks: [{ index: 0, sources: ['n3', 'n4'] }, { index: 1 }] },
    ]);
    expect(spread.map((s) => [s.check.kind, s.reason])).toEqual([['iperf', 'it runs in n1 (on ha), n4 (on hb), on different hosts; pin them to one host to run it']]);
  });

  it('needs, beside the node it runs from: an iperf\'s server, a path\'s target and hops, a capture\'s node and what its traffic needs', () => {
    const x = lab(`name: needs
nodes:
  "n{1..5}": {}
  sw: { kind: bridge, subnet: 10.9.0.0/24 }
links:
  - endpoints: ["n{1..5}:eth0", sw]
checks:
  - ping: { from: n1, to: n3 }
  - ping: { from: n1, to: 10.9.0.3 }
  - iperf: { from: n1, to: "n3:eth0" }
  - path: { from: n1, to: n2, hops: [n2] }
  - path: { name: via n4, from: n1, to: n2, hops: [n4] }
  - capture: { on: "n2:eth0", min: 1, while: { iperf: { from: n1, to: n5 } } }
  - capture: { on: "n1:eth0", min: 1, while: { ping: { from: n2, to: n4 } } }
`);
    const where = new Map([['n1', 'ha'], ['n2', 'ha'], ['n3', 'hb'], ['n4', 'hb'], ['n5', 'hc'], ['sw', 'ha']]);
    const got = x.checks.map((c) => assignCheck(x, c, where));
    expect(got.slice(0, 4)).toEqual([{ kind: 'host', host: 'ha' }, { kind: 'host', host: 'ha' }, { kind: 'spread', reason: 'it runs in n1 (on ha), n3 (on hb), on different hosts; pin them to one host to run it' }, { kind: 'host', host: 'ha' }]);
    expect(got[4]).toEqual({ kind: 'spread', reason: 'it runs in n1 (on ha), n2 (on ha), n4 (on hb), on different hosts; pin them to one host to run it' });
    expect(got[5]).toEqual({ kind: 'spread', reason: 'it runs in n2 (on ha), n1 (on ha), n5 (on hc), on different hosts; pin them to one host to run it' });
    // a ping's target only answers: the capture and the ping both run on ha
    expect(got[6]).toEqual({ kind: 'host', host: 'ha' });
  });

  it('merges the pieces of a reach: pairs summed, failures listed once, the verdict over all', () => {
    const c = l().checks[0]!;
    const piece = (pairs: number, failed: string[], status: CheckResult['status'] = failed.length ? 'fail' : 'pass'): CheckResult => ({
      name: c.name, kind: 'reach', status, expect: 'pass', message: '', measurements: [], metrics: { pairs, pairs_reached: pairs - failed.length }, commands: [`fping ${pairs}`], output: '', stderr: '', startedAt: `2026-11-30T10:00:0${pairs}Z`, ms: pairs * 10, failedPairs: failed,
    });
    const ok = mergeReach(c, [piece(6, []), piece(6, [])]);
    expect([ok.status, ok.metrics, ok.message, ok.commands, ok.ms]).toEqual(['pass', { pairs: 12, pairs_reached: 12 }, 'pairs reached 12/12 (expected 12/12)', ['fping 6', 'fping 6'], 60]);
    const bad = mergeReach(c, [piece(6, ['n3 -> n1 (10.9.0.1)']), piece(6, [])]);
    expect([bad.status, bad.message]).toEqual(['fail', 'pairs reached 11/12 (expected 12/12) ✗; unreachable: n3 -> n1 (10.9.0.1)']);
    const isolated = mergeReach({ ...c, expect: 'fail' }, [piece(6, Array(6).fill('x')), piece(6, Array(6).fill('y'))]);
    expect(isolated.status).toBe('pass');
    expect(mergeReach({ ...c, expect: 'fail' }, [piece(6, Array(6).fill('x')), piece(6, [])]).status).toBe('fail');
    expect(mergeReach(c, [piece(6, []), { ...piece(6, []), status: 'error', message: 'interrupted' }])).toMatchObject({ status: 'error', message: 'interrupted' });
  });

  it('joins the pieces\' outputs in order, starts at the earliest, lasts as long as the longest; a skipped piece skips the whole with its reason', () => {
    const c = l().checks[0]!;
    const piece = (k: number, extra: Partial<CheckResult> = {}): CheckResult => ({
      name: c.name, kind: 'reach', status: 'pass', expect: 'pass', message: '', measurements: [], metrics: { pairs: 2, pairs_reached: 2 }, commands: [`fping ${k}`], output: `out${k}\n`, stderr: `err${k}\n`, startedAt: `2026-11-30T10:00:0${k}Z`, ms: [30, 70, 50][k]!, ...extra,
    });
    const m = mergeReach(c, [piece(2), piece(0), piece(1)]);
    expect([m.output, m.stderr, m.startedAt, m.ms]).toEqual(['out2\nout0\nout1\n', 'err2\nerr0\nerr1\n', '2026-11-30T10:00:00Z', 70]);
    const skipped = mergeReach(c, [piece(0), piece(1, { status: 'skip', message: 'fping is missing', skipReason: 'no fping on hb' })]);
    expect([skipped.status, skipped.message, skipped.skipReason]).toEqual(['skip', 'fping is missing', 'no fping on hb']);
    expect('skipReason' in mergeReach(c, [piece(0), piece(1, { status: 'error', message: 'boom' })])).toBe(false);
  });
});

describe('underlay MTU: what each host must get to each other one unfragmented', () => {
  it('is the largest frame of the tunnels between them plus 50 bytes of VXLAN over IPv4', () => {
    const l = lab(`name: mtu
nodes:
  "r{1..3}": {}
links:
  - endpoints: [r1:a, r2:a]
    mtu: 9000
    ip: [10.0.0.1/30, 10.0.0.2/30]
  - endpoints: [r2:b, r3:b]
    ip: [10.0.1.1/30, 10.0.1.2/30]
`);
    const spec = hostsFrom('hosts:\n  ha: { ssh: root@192.0.2.10 }\n  hb: { ssh: root@192.0.2.11 }\n  hc: { ssh: root@192.0.2.12 }\nplace:\n  r1: ha\n  r2: hb\n  r3: hc\n');
    const { plan } = planAcrossHosts(l, spec);
    expect(underlayNeeds(plan!).sort((a, b) => a.host.localeCompare(b.host) || a.to.localeCompare(b.to))).toEqual([
      { host: 'ha', to: '192.0.2.11', bytes: 9050 },
      { host: 'hb', to: '192.0.2.10', bytes: 9050 },
      { host: 'hb', to: '192.0.2.12', bytes: 1550 },
      { host: 'hc', to: '192.0.2.11', bytes: 1550 },
    ]);
  });
});
