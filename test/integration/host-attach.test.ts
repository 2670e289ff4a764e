/**
 * A bridge attached to the host (docker-style): the gateway address on a
 * tagged host interface, masquerade for the subnet, and nothing of either
 * left after `down` — also when `down` works from the kernel alone.
 *
 * Translation is checked the way DESIGN.md allows: between a lab namespace
 * and a host-side address only. The test builds its own "outside"
 * namespace behind a host veth, with no route back to the lab's subnet: a
 * ping from the lab gets an answer only if the host rewrote its source.
 * Addresses come from 198.18.0.0/15 (RFC 2544, benchmark networks).
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EnvironmentError } from '../../src/diagnostics.js';
import { down } from '../../src/exec/down.js';
import { STATE_DIR } from '../../src/exec/state.js';
import { up } from '../../src/exec/up.js';
import { waitReady } from '../../src/exec/ready.js';
import { hostInterfacesOf, hostSnapshot, isRoot, kernelDiff, labFromText, natRules, ping, runner, uniqueName } from '../helpers/lab.js';

const LAB = `name: x
nodes:
  h1:
    routes: [{ to: default, via: 198.18.7.1 }]
  lan:
    kind: bridge
    subnet: 198.18.7.0/24
    host: { ip: 198.18.7.1/24, nat: true }
links:
  - endpoints: [h1:eth0, lan]
`;

const sh = (...argv: string[]) => {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

/** The host interface nslab tagged (alias) for the attachment, and its addresses. */
function taggedHostLink(tag: string): { ifname: string; addresses: string[] } | undefined {
  const link = (JSON.parse(sh('ip', '-j', 'link', 'show')) as { ifname: string; ifalias?: string }[]).find((l) => l.ifalias === tag);
  if (!link) return undefined;
  const [addr] = JSON.parse(sh('ip', '-j', 'addr', 'show', 'dev', link.ifname)) as { addr_info: { local: string; prefixlen: number }[] }[];
  return { ifname: link.ifname, addresses: (addr?.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`) };
}

/** Packets the lab's MASQUERADE rule has rewritten. */
function masqueraded(tag: string): number {
  const line = sh('iptables', '-w', '-t', 'nat', '-L', 'POSTROUTING', '-v', '-x', '-n').split('\n').find((l) => l.includes(`/* ${tag} */`));
  return line ? Number(line.trim().split(/\s+/)[0]) : -1;
}

describe.skipIf(!isRoot)('a bridge attached to the host', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0).reverse()) c();
  });

  it('gateway on a tagged host interface, masquerade that really translates, all gone after down', async () => {
    const lab = labFromText(LAB);
    const before = hostSnapshot(lab);
    const tag = `nslab:${lab.name}`;
    try {
      await up(lab);
      expect(await kernelDiff(lab)).toEqual([]);
      const host = taggedHostLink(`${tag}:lan`);
      expect(host?.addresses.filter((a) => !a.startsWith('fe80:'))).toEqual(['198.18.7.1/24']);
      expect(natRules().filter((r) => r.includes(tag))).toEqual([
        `-A POSTROUTING -s 198.18.7.0/24 ! -o ${host!.ifname} -m comment --comment "${tag}" -j MASQUERADE`,
      ]);
      await waitReady(lab, runner);
      const h1 = lab.nodes.find((n) => n.name === 'h1')!.ns;
      expect(ping(h1, '198.18.7.1', { count: 2 }), 'h1 → host gateway').toBe(true);

      // The outside: a namespace behind a host veth, knowing nothing of 198.18.7.0/24.
      const out = `${uniqueName()}o`.slice(0, 12);
      const hostSide = `${out}h`.slice(0, 15);
      sh('ip', 'netns', 'add', out);
      cleanups.push(() => spawnSync('ip', ['netns', 'del', out]));
      sh('ip', 'link', 'add', hostSide, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', out);
      cleanups.push(() => spawnSync('ip', ['link', 'del', hostSide]));
      sh('ip', 'addr', 'add', '198.19.7.1/24', 'dev', hostSide);
      sh('ip', 'link', 'set', hostSide, 'up');
      // Replies enter the host here and must be forwarded back to the lab.
      sh('sysctl', '-qw', `net.ipv4.conf.${hostSide}.forwarding=1`);
      sh('ip', '-n', out, 'addr', 'add', '198.19.7.2/24', 'dev', 'eth0');
      sh('ip', '-n', out, 'link', 'set', 'eth0', 'up');

      const rewritten = masqueraded(tag);
      expect(ping(h1, '198.19.7.2', { count: 2 }), 'h1 → outside, answered only if its source was rewritten').toBe(true);
      expect(masqueraded(tag)).toBeGreaterThan(rewritten);
    } finally {
      for (const c of cleanups.splice(0).reverse()) c();
      await down(lab.name);
    }
    expect(hostSnapshot(lab)).toEqual(before);
  }, 60_000);

  it('down from the kernel alone (state file gone) removes the host interface and the NAT rule', async () => {
    const lab = labFromText(LAB);
    const before = hostSnapshot(lab);
    await up(lab);
    expect(hostSnapshot(lab).links).toEqual([...before.links, ...hostInterfacesOf(lab)]);
    rmSync(join(STATE_DIR, `${lab.name}.json`));
    await down(lab.name);
    expect(hostSnapshot(lab)).toEqual(before);
  }, 60_000);

  it('a subnet the host already has is refused before anything is built (exit 4), naming the host interface', async () => {
    // A host interface of the test's own, in a benchmark range, tagged so the leak check would see it.
    const name = uniqueName();
    const squatter = `${name}c`.slice(0, 15);
    sh('ip', 'link', 'add', squatter, 'type', 'veth', 'peer', 'name', `${name}d`.slice(0, 15));
    cleanups.push(() => spawnSync('ip', ['link', 'del', squatter]));
    sh('ip', 'link', 'set', squatter, 'alias', `nslab:${name}:test`);
    sh('ip', 'addr', 'add', '198.18.8.1/24', 'dev', squatter);
    const lab = labFromText(LAB.replace(/198\.18\.7\./g, '198.18.8.').replace('198.18.8.1/24', '198.18.8.254/24').replace('via: 198.18.8.1', 'via: 198.18.8.254'));
    const before = hostSnapshot(lab);
    const err = (await up(lab).catch((e: unknown) => e)) as EnvironmentError;
    expect(err).toBeInstanceOf(EnvironmentError);
    expect(err.exitCode).toBe(4);
    expect(err.message).toContain(`host interface ${squatter} has 198.18.8.1/24`);
    expect(hostSnapshot(lab)).toEqual(before);
  }, 60_000);
});
