/**
 * `nslab apply` on the real kernel: every kind of object added, changed and
 * removed on a running lab; what did not change is not touched (the same
 * namespace inode, the same process); a failing change rolls back to the lab
 * as it was; `connect`/`disconnect` are recorded for status, --verify and down.
 * Addresses come from 198.18.0.0/15 (RFC 2544, benchmark networks).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyLab, ApplyError } from '../../src/apply/apply.js';
import { down } from '../../src/exec/down.js';
import { readState } from '../../src/exec/state.js';
import { NETNS_ETC } from '../../src/services/paths.js';
import { up } from '../../src/exec/up.js';
import { verifyRunning } from '../../src/exec/verify.js';
import { loadTopology } from '../../src/topology/load.js';
import type { Lab } from '../../src/topology/model.js';
import { ROOT } from '../helpers/fixtures.js';
import { hostSnapshot, isRoot, kernelDiff, ping, runner, uniqueName } from '../helpers/lab.js';

const dir = mkdtempSync(join(tmpdir(), 'nslab-apply-'));

/** A topology file of the lab's name; returns its Lab. */
function write(name: string, file: string, body: string): Lab {
  const path = join(dir, file);
  const text = `name: ${name}\n${body}`;
  writeFileSync(path, text);
  return loadTopology(path, text);
}

const nsInode = (lab: Lab, node: string) => statSync(`/run/netns/${lab.nodes.find((n) => n.name === node)!.ns}`).ino;
const nsOf = (lab: Lab, node: string) => lab.nodes.find((n) => n.name === node)!.ns;
const sh = (ns: string, ...argv: string[]) => spawnSync('ip', ['-n', ns, ...argv], { encoding: 'utf8' }).stdout;

/** Up `from`, run `fn`, always down; the host is as it was after. */
async function withRunning(name: string, from: Lab, fn: () => Promise<void>): Promise<void> {
  const before = hostSnapshot(from);
  try {
    await up(from);
    await fn();
  } finally {
    await down(name);
  }
  expect(hostSnapshot(from)).toEqual(before);
}

const BASE = `nodes:
  lan: { kind: bridge, subnet: 198.18.20.0/24 }
  a:
    sysctl: { net.ipv4.ip_forward: 1 }
    routes: [{ to: 198.18.30.0/24, via: 198.18.21.2 }]
    services: { sleeper: { cmd: "sleep 600" } }
  b: {}
  c: {}
links:
  - endpoints: [a:eth0, lan]
  - endpoints: [b:eth0, lan]
  - endpoints: [a:eth1, c:eth0]
    ip: [198.18.21.1/24, 198.18.21.2/24]
`;

describe.skipIf(!isRoot)('rule: apply changes only what differs, and what did not change keeps running', () => {
  it('adds and removes nodes, links, addresses, routes; changes sysctls, MTU, txqueuelen, a shaper, bridge and port options — one apply, read back against the new file', async () => {
    const name = uniqueName();
    const from = write(name, 'from.yaml', BASE);
    const to = write(name, 'to.yaml', `nodes:
  lan: { kind: bridge, subnet: 198.18.20.0/24, ageing_time: 10s }
  a:
    sysctl: { net.ipv4.ip_forward: 0 }
    routes: [{ to: 198.18.31.0/24, via: 198.18.21.2 }]
    services: { sleeper: { cmd: "sleep 600" } }
  b: {}
  d: {}
links:
  - endpoints: [a:eth0, lan]
    mtu: 1400
  - endpoints: [b:eth0, lan]
    hairpin: true
    txqueuelen: 500
  - endpoints: [a:eth1, d:eth0]
    ip: [198.18.21.1/24, 198.18.21.2/24]
    netem: { a: { shape: { rate: 10mbit } } }
  - endpoints: [d:eth1, lan]
    ip: [198.18.20.77/24, null]
`);
    await withRunning(name, from, async () => {
      const inodes = { a: nsInode(from, 'a'), b: nsInode(from, 'b'), lan: nsInode(from, 'lan') };
      const service = readState(name)!.services![0]!;
      const r = await applyLab(to, { runner });
      expect(r.change.changes.map((c) => `${c.op} ${c.what}`).sort()).toEqual([
        '+ a route 198.18.31.0/24',
        '+ link a:eth1 <-> d:eth0',
        '+ link d:eth1 <-> lan:d-eth1',
        '+ node d',
        '- a route 198.18.30.0/24',
        '- link a:eth1 <-> c:eth0',
        '- node c',
        '~ a sysctl net.ipv4.ip_forward',
        '~ a:eth0',
        '~ b:eth0',
        '~ bridge lan options',
        '~ lan:a-eth0',
        '~ lan:b-eth0',
        '~ lan:b-eth0 port',
      ]);
      expect(await verifyRunning(to, runner)).toEqual([]);
      // Untouched: the same namespaces, the same process.
      expect({ a: nsInode(to, 'a'), b: nsInode(to, 'b'), lan: nsInode(to, 'lan') }).toEqual(inodes);
      expect(readState(name)!.services![0]!.pid).toBe(service.pid);
      expect(spawnSync('kill', ['-0', String(service.pid)]).status).toBe(0);
      expect(ping(nsOf(to, 'd'), '198.18.20.1', { count: 1 })).toBe(true);
      expect(sh(nsOf(to, 'a'), 'route', 'show')).toContain('198.18.31.0/24 via 198.18.21.2');
      expect(sh(nsOf(to, 'a'), 'route', 'show')).not.toContain('198.18.30.0/24');
      // Names: the new node has them, the removed one's entry is gone.
      expect(existsSync(join(NETNS_ETC, `${name}-d`, 'hosts'))).toBe(true);
      expect(existsSync(join(NETNS_ETC, `${name}-c`))).toBe(false);
      // The state records the new file: a second apply has nothing to do.
      expect(readState(name)!.file).toBe(to.file);
      expect((await applyLab(to, { runner })).change.changes).toEqual([]);
    });
  }, 120_000);

  it('changes an address in place, and moves a service to a new command (restarted) while another keeps its process', async () => {
    const name = uniqueName();
    const from = write(name, 'svc-from.yaml', `nodes:
  a: { services: { keep: { cmd: "sleep 600" }, move: { cmd: "sleep 601" } } }
  b: {}
links:
  - endpoints: [a:eth0, b:eth0]
    ip: [198.18.22.1/24, 198.18.22.2/24]
`);
    const to = write(name, 'svc-to.yaml', `nodes:
  a: { services: { keep: { cmd: "sleep 600" }, move: { cmd: "sleep 602" }, new: { cmd: "sleep 603" } } }
  b: {}
links:
  - endpoints: [a:eth0, b:eth0]
    ip: [198.18.22.1/24, 198.18.22.3/24]
`);
    await withRunning(name, from, async () => {
      const pid = (id: string) => readState(name)!.services!.find((s) => s.id === id)?.pid;
      const keep = pid('a/keep');
      const move = pid('a/move');
      const r = await applyLab(to, { runner });
      expect(r.change.changes.map((c) => `${c.op} ${c.what}`).sort()).toEqual(['+ b:eth0 address 198.18.22.3/24', '+ service a/new', '- b:eth0 address 198.18.22.2/24', '~ service a/move']);
      expect(pid('a/keep')).toBe(keep);
      expect(pid('a/move')).not.toBe(move);
      expect(spawnSync('kill', ['-0', String(move)]).status).not.toBe(0);
      expect(await verifyRunning(to, runner)).toEqual([]);
      expect(ping(nsOf(to, 'a'), '198.18.22.3', { count: 1 })).toBe(true);
    });
  }, 120_000);

  it('publishes a port and changes a host attachment live; the old rules and interface are gone', async () => {
    const name = uniqueName();
    const host = (extra: string) => `nodes:
  srv: {}
  lan: { kind: bridge, subnet: 198.18.23.0/24, host: { ip: 198.18.23.1/24${extra} } }
links:
  - endpoints: [srv:eth0, lan]
`;
    const from = write(name, 'pub-from.yaml', host(''));
    const to = write(name, 'pub-to.yaml', host(', nat: true, publish: ["18433:srv:80"]'));
    const rules = () => hostSnapshot(name).nat.length;
    await withRunning(name, from, async () => {
      expect(rules()).toBe(0);
      await applyLab(to, { runner });
      expect(rules()).toBe(3); // masquerade, and the published port from outside and from the host
      expect(await verifyRunning(to, runner)).toEqual([]);
      await applyLab(from, { runner });
      expect(rules()).toBe(0);
      expect(await verifyRunning(from, runner)).toEqual([]);
    });
  }, 120_000);
});

describe.skipIf(!isRoot)('rule: a failing apply puts the lab back as it was', () => {
  it('a new node whose setup fails: everything the change did is undone, --verify passes against the old file, the state still names it', async () => {
    const name = uniqueName();
    const from = write(name, 'rb-from.yaml', BASE);
    const to = write(name, 'rb-to.yaml', BASE.replace('  c: {}\n', '  c: {}\n  e: { setup: ["exit 7"] }\n').replace('  - endpoints: [b:eth0, lan]\n', '  - endpoints: [b:eth0, lan]\n    mtu: 1400\n  - endpoints: [e:eth0, lan]\n').replace('  b: {}\n', '  b: { sysctl: { net.ipv4.ip_forward: 1 } }\n'));
    await withRunning(name, from, async () => {
      const service = readState(name)!.services![0]!;
      const err = await applyLab(to, { runner }).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(ApplyError);
      expect((err as ApplyError).failure?.step.id).toBe('setup:e:1');
      expect((err as ApplyError).rollbackFailures).toEqual([]);
      expect(await verifyRunning(from, runner)).toEqual([]);
      expect(await kernelDiff(from)).toEqual([]);
      expect(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout).not.toContain(`${name}-e`);
      expect(readState(name)!.file).toBe(from.file);
      expect(readState(name)!.services![0]!.pid).toBe(service.pid);
    });
  }, 120_000);
});

describe.skipIf(!isRoot)('rule: connect and disconnect, recorded for status, --verify and down', () => {
  const nslab = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin/nslab.js'), ...args], { encoding: 'utf8' });

  it('connect takes the next free address of the bridge (or --ip); disconnect removes the link; plan --against shows a change first', async () => {
    const name = uniqueName();
    const from = write(name, 'conn.yaml', BASE);
    await withRunning(name, from, async () => {
      let r = nslab('connect', name, 'c:eth7', 'lan');
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain(`+ link c:eth7 <-> lan:c-eth7`);
      expect(sh(nsOf(from, 'c'), '-br', 'addr', 'show', 'dev', 'eth7')).toContain('198.18.20.3/24'); // a .1, b .2: the next free one
      r = nslab('connect', name, 'b:eth8', 'lan', '--ip', '198.18.20.200/24', '--json');
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, applied: true, changes: [{ op: 'add', what: 'link b:eth8 <-> lan:b-eth8' }] });
      expect(ping(nsOf(from, 'c'), '198.18.20.200', { count: 1 })).toBe(true);
      expect(nslab('status', name).stdout).toContain('changed since by connect/disconnect');
      r = nslab('status', name, '--verify');
      expect(r.status, r.stdout).toBe(0);
      expect(r.stdout).toContain('5 links'); // the file's 3, and the 2 connected
      r = nslab('disconnect', name, 'c:eth7');
      expect(r.status, r.stderr).toBe(0);
      expect(spawnSync('ip', ['-n', nsOf(from, 'c'), 'link', 'show', 'dev', 'eth7']).status).not.toBe(0);
      // The file itself is unchanged; planning it against the lab shows the connected link going.
      r = nslab('plan', from.file, '--against', name);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/- link b:eth8 <-> lan:b-eth8 +\(was .*:\d+:\d+\)/);
      expect(readFileSync(from.file, 'utf8')).not.toContain('eth8');
    });
  }, 120_000);

  it('a process in an untouched node keeps running through connect (same namespace, same pid)', async () => {
    const name = uniqueName();
    const from = write(name, 'conn2.yaml', BASE);
    await withRunning(name, from, async () => {
      const child = spawn('ip', ['netns', 'exec', nsOf(from, 'b'), 'sleep', '300'], { stdio: 'ignore' });
      const inode = nsInode(from, 'b');
      const r = nslab('connect', name, 'c:eth7', 'lan');
      expect(r.status, r.stderr).toBe(0);
      expect(child.exitCode).toBeNull();
      expect(nsInode(from, 'b')).toBe(inode);
      child.kill();
    });
  }, 120_000);
});
