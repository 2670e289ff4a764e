/**
 * A lab over three simulated hosts (test/helpers/simhosts.ts): each with its
 * own sshd, /run/netns and state, joined by an underlay bridge. The
 * coordinator runs the real CLI in a controller namespace and reaches the
 * hosts over real ssh.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, renamed, uniqueName } from '../helpers/lab.js';
import { expectOutput } from '../helpers/outputs.js';
import { startCluster, type Cluster } from '../helpers/simhosts.js';

const NSLAB = `${process.execPath} ${join(import.meta.dirname, '../../bin/nslab.js')}`;

describe.runIf(isRoot)('a lab over three hosts, over ssh', () => {
  let cluster: Cluster;
  const lab = uniqueName();
  let file: string;
  let pinned: string;

  beforeAll(async () => {
    cluster = await startCluster(uniqueName().slice(0, 8), 3);
    file = join(cluster.dir, 'chain.yaml');
    writeFileSync(file, renamed(readFileSync('topologies/chain.yaml', 'utf8'), lab));
    // Every link of the chain cut: h1 r1 r2 r3 r4 h2 over m1 m2 m3 m1 m2 m3.
    pinned = join(cluster.dir, 'pinned.yaml');
    writeFileSync(pinned, `${readFileSync(cluster.hostsFile, 'utf8')}place:\n  h1: m1\n  r1: m2\n  r2: m3\n  r3: m1\n  r4: m2\n  h2: m3\n`);
  }, 60_000);
  afterAll(async () => {
    cluster?.nslab(['down', lab, '--hosts', cluster.hostsFile]);
    await cluster?.close();
  }, 60_000);

  /** What of the lab is on a host: its namespaces, state files, tunnel devices. */
  const leftovers = (host: string) => cluster.onHost(host, 'ip netns list; ls /run/nslab | grep -v "^ssh$"; ip -o link show type vxlan').stdout.trim();

  it('builds each host\'s part and passes traffic across every cut link', () => {
    const r = cluster.nslab(['up', file, '--hosts', pinned, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = expectOutput('multihost', r.stdout);
    expect(doc).toMatchObject({ lab, action: 'up', ok: true, tunnels: 5 });
    expect(doc.hosts.map((h: { name: string; ok: boolean }) => [h.name, h.ok])).toEqual([['m1', true], ['m2', true], ['m3', true]]);
    for (const host of ['m1', 'm2', 'm3']) expect(cluster.onHost(host, 'ip netns list | wc -l').stdout.trim()).toBe('2');
    // h1 (m1) to h2 (m3): through r1 (m2), r2 (m3), r3 (m1), r4 (m2).
    const ping = cluster.onHost('m1', `${NSLAB} exec ${lab} h1 -- ping -c 3 -i 0.2 -W 2 10.2.0.2`);
    expect(ping.code, ping.stdout + ping.stderr).toBe(0);
    expect(ping.stdout).toMatch(/3 received/);
    const trace = cluster.onHost('m1', `${NSLAB} exec ${lab} h1 -- ping -c 1 -W 2 -t 3 10.2.0.2`);
    expect(trace.stdout, 'the path is the routers\' one, not a shortcut').toMatch(/Time to live exceeded/);
  }, 120_000);

  it('status --hosts: what of the lab each host holds', () => {
    const r = cluster.nslab(['status', lab, '--hosts', pinned, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = expectOutput('multihost', r.stdout);
    expect(doc.hosts.map((h: { name: string; detail: string }) => [h.name, h.detail])).toEqual([['m1', 'up (2/2 namespaces)'], ['m2', 'up (2/2 namespaces)'], ['m3', 'up (2/2 namespaces)']]);
  }, 60_000);

  it('removes the lab from every host', () => {
    const r = cluster.nslab(['down', lab, '--hosts', pinned]);
    expect(r.code, r.stderr).toBe(0);
    for (const host of ['m1', 'm2', 'm3']) expect(leftovers(host), host).toBe('');
  }, 60_000);

  it('reports a host it cannot reach during down, and sweeps it on the next down', () => {
    expect(cluster.nslab(['up', file, '--hosts', pinned, '--quiet']).code).toBe(0);
    cluster.setReachable('m3', false);
    try {
      const r = cluster.nslab(['down', lab, '--hosts', pinned, '--json']);
      expect(r.code).toBe(3);
      const doc = expectOutput('multihost', r.stdout);
      expect(doc.hosts.map((h: { name: string; ok: boolean; unreachable?: boolean }) => [h.name, h.ok, h.unreachable ?? false])).toEqual([['m1', true, false], ['m2', true, false], ['m3', false, true]]);
      expect(leftovers('m1')).toBe('');
      expect(leftovers('m2')).toBe('');
    } finally {
      cluster.setReachable('m3', true);
    }
    expect(leftovers('m3')).not.toBe('');
    expect(cluster.nslab(['down', lab, '--hosts', pinned]).code).toBe(0);
    for (const host of ['m1', 'm2', 'm3']) expect(leftovers(host), host).toBe('');
  }, 120_000);

  it('refuses a lab MTU the underlay cannot carry, before building anything (a don\'t-fragment probe)', () => {
    cluster.setMtu('m2', 1500);
    try {
      const r = cluster.nslab(['up', file, '--hosts', pinned, '--json']);
      expect(r.code).toBe(4);
      const doc = expectOutput('multihost', r.stdout);
      expect(doc).toMatchObject({ ok: false, phase: 'preflight' });
      const failed = doc.hosts.filter((h: { ok: boolean }) => !h.ok);
      // m2 cannot send 1550-byte packets; m1 and m3 cannot get them to m2.
      expect(failed.length).toBeGreaterThanOrEqual(2);
      expect(failed[0].detail).toMatch(/^1550-byte packets do not reach 198\.51\.100\.\d .*the underlay's MTU must be at least 1550/);
      for (const host of ['m1', 'm2', 'm3']) expect(leftovers(host), host).toBe('');
    } finally {
      cluster.setMtu('m2', 9000);
    }
  }, 120_000);

  it('rolls every host back when one fails mid-deploy', () => {
    // r2's setup fails on m3, after m1 and m2 may have built their parts.
    const failing = join(cluster.dir, 'failing.yaml');
    writeFileSync(failing, readFileSync(file, 'utf8').replace('  r2:\n', '  r2:\n    setup: ["false"]\n'));
    const r = cluster.nslab(['up', failing, '--hosts', pinned, '--json']);
    expect(r.code).toBe(3);
    const doc = expectOutput('multihost', r.stdout);
    expect(doc).toMatchObject({ ok: false, phase: 'deploy' });
    expect(doc.hosts.find((h: { name: string }) => h.name === 'm3')).toMatchObject({ ok: false });
    expect(doc.rolled_back.every((h: { ok: boolean }) => h.ok)).toBe(true);
    for (const host of ['m1', 'm2', 'm3']) expect(leftovers(host), host).toBe('');
  }, 120_000);

  it('run: builds over the hosts, checks, and removes the lab from every host, one report with deploy and teardown', () => {
    const junit = join(cluster.dir, 'run.xml');
    const r = cluster.nslab(['run', file, '--hosts', pinned, '--json', '-', '--junit', junit]);
    expect(r.code, r.stderr).toBe(0);
    const results = expectOutput('report', r.stdout).suites[0].results as { kind: string; status: string; stdout: string }[];
    expect(results.map((x) => [x.kind, x.status])).toEqual([['deploy', 'pass'], ['ping', 'pass'], ['mtu', 'pass'], ['teardown', 'pass']]);
    expect(results[0]!.stdout).toMatch(/✓ m1 .*\n.*✓ m2 .*\n.*✓ m3 /);
    for (const host of ['m1', 'm2', 'm3']) expect(leftovers(host), host).toBe('');
    expect(readFileSync(junit, 'utf8')).toContain('testcase');
  }, 120_000);

  it('run: a failed deploy on one host is the report\'s deploy error, the checks skipped, every host swept', () => {
    const failing = join(cluster.dir, 'failing-run.yaml');
    writeFileSync(failing, readFileSync(file, 'utf8').replace('  r3:\n', '  r3:\n    setup: ["false"]\n'));
    const r = cluster.nslab(['run', failing, '--hosts', pinned, '--json', '-']);
    expect(r.code).toBe(3);
    const results = expectOutput('report', r.stdout).suites[0].results as { kind: string; status: string; message: string }[];
    expect(results.map((x) => [x.kind, x.status])).toEqual([['deploy', 'error'], ['ping', 'skip'], ['mtu', 'skip'], ['teardown', 'skip']]);
    expect(results[0]!.message).toMatch(/^m1: /);
    for (const host of ['m1', 'm2', 'm3']) expect(leftovers(host), host).toBe('');
  }, 120_000);

  /**
   * Start `up` of a lab whose part on m3 takes long (a setup command that
   * sleeps 60 s), wait until m3 is in it, then `interrupt`; nslab's exit.
   */
  async function interruptedUp(interrupt: (pid: number) => void): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number; hosts: string }> {
    const star = join(cluster.dir, 'star-irq.yaml');
    // A sleep no other process on this machine runs: the hosts share its process table.
    const marker = `sleep 60.${process.pid}`;
    writeFileSync(star, `name: ${lab}\nnodes:\n  "n{1..60}": {}\n  slow: { setup: ["${marker}"] }\n  sw: { kind: bridge, subnet: 10.9.0.0/16 }\nlinks:\n  - endpoints: ["n{1..60}:eth0", sw]\n  - endpoints: [slow:eth0, sw]\n`);
    const hosts = join(cluster.dir, 'hosts-irq.yaml');
    writeFileSync(hosts, `${readFileSync(cluster.hostsFile, 'utf8')}place:\n  slow: m3\n`);
    const child = cluster.spawnNslab(['up', star, '--hosts', hosts, '--quiet']);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((ok) => child.on('exit', (code, signal) => ok({ code, signal })));
    for (let i = 0; i < 300 && cluster.onHost('m3', `pgrep -fx '${marker}'`).code !== 0; i++) await new Promise((ok) => setTimeout(ok, 100));
    const t0 = performance.now();
    interrupt(child.pid!);
    const r = await exited;
    return { ...r, ms: performance.now() - t0, hosts };
  }

  /** Nothing of the lab on these hosts, within a deadline (a host rolls back on its own). */
  async function sweptWithin(hosts: string[], ms: number): Promise<void> {
    const deadline = performance.now() + ms;
    let left: string[] = [];
    do {
      left = hosts.map(leftovers).filter(Boolean);
      if (left.length === 0) return;
      await new Promise((ok) => setTimeout(ok, 500));
    } while (performance.now() < deadline);
    expect(left).toEqual([]);
  }

  it('SIGTERM during up over hosts: every host rolled back, also the one still building, exit 143', async () => {
    const r = await interruptedUp((pid) => process.kill(pid, 'SIGTERM'));
    expect(r.code).toBe(143);
    // Well before the 60-second setup would end: the host killed it and rolled back.
    expect(r.ms).toBeLessThan(40_000);
    for (const host of ['m1', 'm2', 'm3']) expect(leftovers(host), host).toBe('');
  }, 120_000);

  it('SIGKILL of the coordinator during up: the host still building sees its connection end and rolls back by itself', async () => {
    const r = await interruptedUp((pid) => process.kill(pid, 'SIGKILL'));
    expect(r.signal).toBe('SIGKILL');
    // m3 was in its 60-second setup: without the coordinator it stops and removes its part, well before the sleep would end
    // (without that, it would finish and keep its part).
    await sweptWithin(['m3'], 30_000);
    // The hosts that had finished keep their parts until the sweep.
    expect(cluster.nslab(['down', lab, '--hosts', r.hosts]).code).toBe(0);
    await sweptWithin(['m1', 'm2', 'm3'], 1000);
  }, 120_000);

  it('spreads a bridge over three hosts: one VNI, frames flooded to every other host', () => {
    const star = join(cluster.dir, 'star.yaml');
    writeFileSync(star, `name: ${lab}\nnodes:\n  "n{1..6}": {}\n  sw: { kind: bridge, subnet: 10.9.0.0/24 }\nlinks:\n  - endpoints: ["n{1..6}:eth0", sw]\n`);
    const hosts = join(cluster.dir, 'spread.yaml');
    writeFileSync(hosts, `${readFileSync(cluster.hostsFile, 'utf8')}place:\n  "n{1..2}": m1\n  "n{3..4}": m2\n  "n{5..6}": m3\n`);
    const r = cluster.nslab(['up', star, '--hosts', hosts, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(expectOutput('multihost', r.stdout).tunnels).toBe(1);
    // Addresses by IPAM in host order: n1 .1 … n6 .6; every pair across hosts answers.
    for (const [from, host, to] of [['n1', 'm1', '10.9.0.6'], ['n3', 'm2', '10.9.0.1'], ['n6', 'm3', '10.9.0.4']] as const) {
      const ping = cluster.onHost(host, `${NSLAB} exec ${lab} ${from} -- ping -c 2 -i 0.2 -W 2 ${to}`);
      expect(ping.code, `${from} → ${to}: ${ping.stdout}${ping.stderr}`).toBe(0);
    }
    expect(cluster.nslab(['down', lab, '--hosts', hosts]).code).toBe(0);
    for (const host of ['m1', 'm2', 'm3']) expect(leftovers(host), host).toBe('');
  }, 120_000);
});

describe.runIf(isRoot)('checks of a lab over three hosts', () => {
  let cluster: Cluster;
  const lab = uniqueName();
  let file: string;
  let hosts: string;

  beforeAll(async () => {
    cluster = await startCluster(uniqueName().slice(0, 8), 3);
    file = join(cluster.dir, 'lab.yaml');
    // A bridge over three hosts and a routed chain across them; checks from nodes on every host.
    writeFileSync(file, `name: ${lab}
nodes:
  "n{1..6}": {}
  sw: { kind: bridge, subnet: 10.9.0.0/24 }
  a: { routes: [{ to: default, via: 10.8.0.2 }] }
  r: { sysctl: { net.ipv4.ip_forward: 1 } }
  b: { routes: [{ to: default, via: 10.8.1.1 }] }
links:
  - endpoints: ["n{1..6}:eth0", sw]
  - endpoints: [a:eth0, r:eth0]
    ip: [10.8.0.1/24, 10.8.0.2/24]
  - endpoints: [r:eth1, b:eth0]
    ip: [10.8.1.1/24, 10.8.1.2/24]
checks:
  - reach: { among: ["n{1..6}"] }
  - ping: { from: a, to: b, count: 2 }
  - ping: { from: b, to: a, count: 2 }
  - connect: { from: n6, to: n1, port: 9, expect: fail }
  - iperf: { from: a, to: b, seconds: 1 }
`);
    hosts = join(cluster.dir, 'hosts.yaml');
    writeFileSync(hosts, `${readFileSync(cluster.hostsFile, 'utf8')}place:\n  "n{1..2}": m1\n  "n{3..4}": m2\n  "n{5..6}": m3\n  a: m1\n  r: m2\n  b: m3\n`);
    const up = cluster.nslab(['up', file, '--hosts', hosts, '--quiet']);
    if (up.code !== 0) throw new Error(up.stderr);
  }, 120_000);
  afterAll(async () => {
    cluster?.nslab(['down', lab, '--hosts', hosts]);
    await cluster?.close();
  }, 60_000);

  it('runs each check on its node\'s host and merges the answers into one report, in file order', () => {
    const junit = join(cluster.dir, 'report.xml');
    const r = cluster.nslab(['test', file, '--hosts', hosts, '--json', '-', '--junit', junit]);
    const doc = expectOutput('report', r.stdout);
    const checks = doc.suites[0].results as { name: string; status: string; message: string; metrics: Record<string, number> }[];
    expect(checks.map((c) => c.status)).toEqual(['pass', 'pass', 'pass', 'pass', 'error']);
    // The reach among six nodes on three hosts: every ordered pair once (30), all reached.
    expect(checks[0]!.metrics).toEqual({ pairs: 30, pairs_reached: 30 });
    expect(checks[4]!.message).toMatch(/a \(on m1\), b \(on m3\), on different hosts/);
    expect(r.code).toBe(1);
    expect(readFileSync(junit, 'utf8')).toContain('<testsuite');
  }, 120_000);

  it('tells a failing check across hosts from a passing one', () => {
    // r stops forwarding: a and b (on m1 and m3) can no longer talk through it (on m2).
    expect(cluster.onHost('m2', `${NSLAB} exec ${lab} r -- sysctl -qw net.ipv4.ip_forward=0`).code).toBe(0);
    try {
      const r = cluster.nslab(['test', file, '--hosts', hosts, '--only', '^ping', '--json', '-']);
      const doc = expectOutput('report', r.stdout);
      expect(doc.suites[0].results.map((c: { status: string }) => c.status)).toEqual(['fail', 'fail']);
      expect(r.code).toBe(1);
    } finally {
      cluster.onHost('m2', `${NSLAB} exec ${lab} r -- sysctl -qw net.ipv4.ip_forward=1`);
    }
  }, 120_000);
});
