/**
 * Bridge and port options, fixed MACs, promiscuous mode, VXLAN tunnels and
 * published ports on the real kernel: each applied, read back (`status
 * --verify` and `ip -d`), and shown to do what it is for. VLAN filtering
 * and 8021q need a kernel this host lacks: test/kernel/vlans.test.ts, under
 * QEMU. Addresses come from 198.18.0.0/15 (RFC 2544, benchmark networks).
 */
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { EnvironmentError } from '../../src/diagnostics.js';
import { down } from '../../src/exec/down.js';
import { up } from '../../src/exec/up.js';
import type { Lab } from '../../src/topology/model.js';
import { hostSnapshot, isRoot, kernelDiff, labFromText, ping, withLab } from '../helpers/lab.js';

const nsOf = (lab: Lab, node: string) => lab.nodes.find((n) => n.name === node)!.ns;

/** `ip -d -j link show dev X` in a namespace. */
function linkDetails(ns: string, dev: string): { address: string; flags: string[]; mtu: number; linkinfo: { info_kind?: string; info_data?: Record<string, unknown>; info_slave_data?: Record<string, unknown> } } {
  const r = spawnSync('ip', ['-n', ns, '-d', '-j', 'link', 'show', 'dev', dev], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout)[0];
}

describe.skipIf(!isRoot)('rule: bridge options are applied and read back', () => {
  it('stp, forward_delay, ageing_time, mcast_snooping: in the kernel as written; a bridge changed by hand is reported', async () => {
    await withLab(
      `name: x
nodes:
  a: {}
  lan: { kind: bridge, stp: true, forward_delay: 4s, ageing_time: 20s, mcast_snooping: false }
  plain: { kind: bridge }
links:
  - endpoints: [a:eth0, lan]
  - endpoints: [a:eth1, plain]
`,
      async (lab) => {
        const info = linkDetails(nsOf(lab, 'lan'), 'lan').linkinfo.info_data!;
        expect(info).toMatchObject({ stp_state: 1, forward_delay: 400, ageing_time: 2000, mcast_snooping: 0 });
        // Unset options stay at the kernel's defaults.
        expect(linkDetails(nsOf(lab, 'plain'), 'plain').linkinfo.info_data).toMatchObject({ stp_state: 0, ageing_time: 30000, mcast_snooping: 1 });
        spawnSync('ip', ['-n', nsOf(lab, 'lan'), 'link', 'set', 'dev', 'lan', 'type', 'bridge', 'ageing_time', '1000']);
        expect(await kernelDiff(lab)).toEqual([expect.stringMatching(/lan: ageing_time \(cs\) 1000, expected 2000/)]);
      },
    );
  }, 60_000);
});

/**
 * Isolation and hairpin together: h1 and h2 hang off `hub` on isolated
 * ports, so hub never forwards between them; their frames go up to `lan`,
 * and lan sends a frame back down the port it came in by only with hairpin
 * mode on that port. hub learns nothing (ageing_time 0s: a hub), or it would
 * learn h1 behind its uplink from the reflected frames and drop the replies.
 */
const PRIVATE = (hairpin: boolean) => `name: x
nodes:
  lan: { kind: bridge }
  hub: { kind: bridge, ageing_time: 0s }
  h1: {}
  h2: {}
  h3: {}
links:
  - endpoints: [hub:up0, lan:down0]
    hairpin: ${hairpin}
  - endpoints: [h1:eth0, hub]
    isolated: true
    ip: [198.18.9.1/24, null]
  - endpoints: [h2:eth0, hub]
    isolated: true
    ip: [198.18.9.2/24, null]
  - endpoints: [h3:eth0, hub]
    ip: [198.18.9.3/24, null]
`;

describe.skipIf(!isRoot)('rule: port isolation and hairpin do what they are for', () => {
  it('isolated ports reach a port that is not isolated, never each other (without hairpin upstream)', async () => {
    await withLab(PRIVATE(false), async (lab) => {
      expect(linkDetails(nsOf(lab, 'hub'), 'h1-eth0').linkinfo.info_slave_data).toMatchObject({ isolated: true });
      expect(ping(nsOf(lab, 'h1'), '198.18.9.3', { count: 2 })).toBe(true);
      expect(ping(nsOf(lab, 'h1'), '198.18.9.2', { count: 2 })).toBe(false);
    });
  }, 60_000);

  it('with hairpin on the upstream port, lan reflects their frames back: h1 reaches h2 through lan', async () => {
    await withLab(PRIVATE(true), async (lab) => {
      expect(linkDetails(nsOf(lab, 'lan'), 'down0').linkinfo.info_slave_data).toMatchObject({ hairpin: true });
      expect(ping(nsOf(lab, 'h1'), '198.18.9.2', { count: 2 })).toBe(true);
    });
  }, 60_000);
});

describe.skipIf(!isRoot)('rule: fixed MAC addresses and promiscuous mode', () => {
  it('each end gets the MAC written for it; promisc sets the node\'s interface; both read back', async () => {
    await withLab(
      `name: x
nodes:
  a: {}
  b: {}
  lan: { kind: bridge }
links:
  - endpoints: [a:eth0, b:eth0]
    mac: [02:00:00:00:aa:01, 02:00:00:00:bb:01]
    promisc: true
    ip: [198.18.10.1/24, 198.18.10.2/24]
  - endpoints: [a:eth1, lan]
    mac: [null, 02:00:00:00:cc:01]
`,
      async (lab) => {
        expect(linkDetails(nsOf(lab, 'a'), 'eth0').address).toBe('02:00:00:00:aa:01');
        expect(linkDetails(nsOf(lab, 'b'), 'eth0').address).toBe('02:00:00:00:bb:01');
        expect(linkDetails(nsOf(lab, 'lan'), 'a-eth1').address).toBe('02:00:00:00:cc:01');
        expect(linkDetails(nsOf(lab, 'a'), 'eth0').flags).toContain('PROMISC');
        expect(linkDetails(nsOf(lab, 'a'), 'eth1').flags).not.toContain('PROMISC');
        expect(ping(nsOf(lab, 'a'), '198.18.10.2', { count: 1 })).toBe(true);
        spawnSync('ip', ['-n', nsOf(lab, 'b'), 'link', 'set', 'dev', 'eth0', 'address', '02:00:00:00:bb:99', 'promisc', 'off']);
        expect(await kernelDiff(lab)).toEqual(expect.arrayContaining([
          expect.stringMatching(/b:eth0: MAC 02:00:00:00:bb:99, expected 02:00:00:00:bb:01/),
          expect.stringMatching(/b:eth0: promiscuous mode off, expected on/),
        ]));
      },
    );
  }, 60_000);
});

const TUNNEL = `name: x
nodes:
  v1: {}
  v2: {}
  site: { kind: bridge, mtu: 1450 }
  h: {}
links:
  - endpoints: [v1:eth0, v2:eth0]
    ip: [198.18.11.1/30, 198.18.11.2/30]
  - endpoints: [v1:vx0, v2:vx0]
    kind: vxlan
    vni: 42
    ip: [198.18.12.1/24, 198.18.12.2/24]
  - endpoints: [v1:vx1, v2:vx1]
    kind: vxlan
    vni: 43
    port: 4790
    bridge: [site, null]
    ip: [null, 198.18.13.2/24]
  - endpoints: [h:eth0, site]
    ip: [198.18.13.1/24, null]
`;

describe.skipIf(!isRoot)('rule: a vxlan link carries L2 between two nodes over their addresses', () => {
  it('node to node, and bridged on one side: traffic crosses; VNI, port, addresses and the lowered MTU read back', async () => {
    await withLab(TUNNEL, async (lab) => {
      expect(ping(nsOf(lab, 'v1'), '198.18.12.2', { count: 2 })).toBe(true);
      expect(ping(nsOf(lab, 'h'), '198.18.13.2', { count: 2 })).toBe(true);
      const vx0 = linkDetails(nsOf(lab, 'v1'), 'vx0');
      expect(vx0.linkinfo.info_kind).toBe('vxlan');
      expect(vx0.linkinfo.info_data).toMatchObject({ id: 42, local: '198.18.11.1', remote: '198.18.11.2', port: 4789 });
      expect(vx0.mtu).toBe(1450); // 1500 less 50 bytes of encapsulation
      // The bridged end is a port of `site`, in site's namespace; its socket stays in v1.
      const vx1 = linkDetails(nsOf(lab, 'site'), 'vx1');
      expect(vx1.linkinfo.info_data).toMatchObject({ id: 43, port: 4790 });
      expect(spawnSync('ip', ['-n', nsOf(lab, 'v1'), 'link', 'show', 'dev', 'vx1']).status).not.toBe(0);
      // A full-size frame fits the tunnel; one byte more does not.
      expect(ping(nsOf(lab, 'h'), '198.18.13.2', { count: 1, size: 1450 - 28, df: true })).toBe(true);
      expect(ping(nsOf(lab, 'h'), '198.18.13.2', { count: 1, size: 1451 - 28, df: true })).toBe(false);
    });
  }, 60_000);

  it('a tunnel whose remote was changed by hand is reported by --verify', async () => {
    await withLab(TUNNEL, async (lab) => {
      spawnSync('ip', ['-n', nsOf(lab, 'v2'), 'link', 'del', 'dev', 'vx0']);
      spawnSync('ip', ['-n', nsOf(lab, 'v2'), 'link', 'add', 'name', 'vx0', 'mtu', '1450', 'type', 'vxlan', 'id', '42', 'local', '198.18.11.2', 'remote', '198.18.11.9', 'dstport', '4789']);
      expect(await kernelDiff(lab)).toContainEqual(expect.stringMatching(/v2:vx0: vxlan VNI 42 198\.18\.11\.2 -> 198\.18\.11\.9 port 4789, expected VNI 42 198\.18\.11\.2 -> 198\.18\.11\.1 port 4789/));
    });
  }, 60_000);
});

const PUBLISH = (port: number) => `name: x
nodes:
  srv:
    services:
      web: { cmd: "python3 -m http.server 8080 --bind 198.18.14.2", ready: { tcp: 8080 } }
  lan:
    kind: bridge
    subnet: 198.18.14.0/24
    host: { ip: 198.18.14.1/24, publish: ["${port}:srv:8080"] }
links:
  - endpoints: [srv:eth0, lan]
`;

describe.skipIf(!isRoot)('rule: a published port forwards a host port to a node, and leaves nothing behind', () => {
  it('a connection to the host port (at the lab\'s own host address) reaches the node; down removes the rules', async () => {
    const lab = labFromText(PUBLISH(18431));
    const before = hostSnapshot(lab);
    try {
      await up(lab);
      expect(await kernelDiff(lab)).toEqual([]);
      // From the host, to the lab's host-side address: DNAT in OUTPUT sends it to srv.
      const r = spawnSync('curl', ['-s', '-m', '5', '-o', '/dev/null', '-w', '%{http_code}', 'http://198.18.14.1:18431/'], { encoding: 'utf8' });
      expect(r.stdout).toBe('200');
      const rules = spawnSync('iptables', ['-w', '-t', 'nat', '-S'], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l.includes(`nslab:${lab.name}"`) || l.includes(`nslab:${lab.name} `));
      expect(rules.map((l) => l.split(' ')[1])).toEqual(['PREROUTING', 'OUTPUT']);
    } finally {
      await down(lab.name);
    }
    expect(hostSnapshot(lab)).toEqual(before);
  }, 60_000);

  it('a host port something already listens on is refused before anything is built (exit 4)', async () => {
    const server: Server = createServer();
    await new Promise<void>((res) => server.listen(18432, '127.0.0.1', res));
    const lab = labFromText(PUBLISH(18432));
    const before = hostSnapshot(lab);
    try {
      const err = await up(lab).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(EnvironmentError);
      expect((err as Error).message).toMatch(/host port 18432\/tcp \(`18432:srv:8080` on bridge lan\) is taken: a listening socket on the host/);
    } finally {
      server.close();
      await down(lab.name);
    }
    expect(hostSnapshot(lab)).toEqual(before);
  }, 60_000);
});
