/**
 * The in-process path (src/netlink, native/netns.c) against `ip -batch`, on
 * the real kernel: the same lab built both ways leaves the same kernel state;
 * failures read as ip's; interfaces without IPv6 get no link-local address.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Plan, Step } from '../../src/compile/plan.js';
import { down } from '../../src/exec/down.js';
import { namespaceTags } from '../../src/exec/discover.js';
import { inspectLab } from '../../src/exec/inspect.js';
import { executePlan } from '../../src/exec/executor.js';
import { waitReady } from '../../src/exec/ready.js';
import { up } from '../../src/exec/up.js';
import { loadInProcess } from '../../src/netlink/native.js';
import type { Lab } from '../../src/topology/model.js';
import { FIXTURES, read } from '../helpers/fixtures.js';
import { isRoot, labFromText, namespaces, ping, runner, uniqueName } from '../helpers/lab.js';

const native = loadInProcess();
const json = (ns: string, ...args: string[]) => {
  const r = spawnSync('ip', ['-n', ns, '-j', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>[];
};
const sysctl = (ns: string, key: string) => spawnSync('nsenter', [`--net=/run/netns/${ns}`, 'sysctl', '-n', key], { encoding: 'utf8' }).stdout.trim();

/**
 * What a namespace holds, without what differs by run: indexes, random MACs,
 * counters, the lab's name, the order devices were made in (a bridge may be
 * made before or after its ports arrive), and the link-local addresses of
 * IPv6 interfaces (from a random MAC, and each in its own DAD state).
 */
function readBack(lab: Lab): unknown {
  const rename = (v: unknown) => JSON.parse(JSON.stringify(v).replaceAll(lab.name, 'LAB'));
  return lab.nodes.map((n) => {
    const byName = (a: Record<string, unknown>, b: Record<string, unknown>) => String(a.ifname).localeCompare(String(b.ifname));
    const links = json(n.ns, '-d', 'link', 'show').sort(byName).map((l) => {
      const li = (l.linkinfo ?? {}) as { info_kind?: string; info_slave_kind?: string };
      const fixedMac = n.kind !== 'bridge' && l.ifname === 'eth0' && n.name === 'a';
      return { ifname: l.ifname, flags: l.flags, mtu: l.mtu, txqlen: l.txqlen, master: l.master, ifalias: l.ifalias, promiscuity: l.promiscuity, kind: li.info_kind, slave: li.info_slave_kind, addrgenmode: l.inet6_addr_gen_mode, ...(fixedMac ? { address: l.address } : {}) };
    });
    const addrs = json(n.ns, 'addr', 'show').sort(byName).map((l) => ({ ifname: l.ifname, addr: (l.addr_info as Record<string, unknown>[]).filter((a) => a.scope !== 'link').map((a) => ({ family: a.family, local: a.local, prefixlen: a.prefixlen, scope: a.scope, noprefixroute: a.noprefixroute, nodad: a.nodad })) }));
    // a table's listing order follows the order interfaces came up: compared as a set
    const routes = [...json(n.ns, '-4', 'route', 'show', 'table', 'all'), ...json(n.ns, '-6', 'route', 'show', 'table', 'all')]
      .filter((r) => !String(r.dst).startsWith('fe80::') || r.dst === 'fe80::/64')
      .map((r) => JSON.stringify({ dst: r.dst, gateway: r.gateway, dev: r.dev, protocol: r.protocol, scope: r.scope, metric: r.metric, table: r.table, type: r.type, flags: r.flags }))
      .sort();
    const sysctls = Object.fromEntries(['net.ipv4.ip_forward', 'net.ipv6.conf.all.forwarding', 'net.ipv4.conf.all.rp_filter'].map((k) => [k, sysctl(n.ns, k)]));
    return rename({ node: n.name, links, addrs, routes, sysctls });
  });
}

/** Run `fn` with nslab's path chosen (NSLAB_NATIVE), then put the variable back as it was. */
async function onPath<T>(path: 'in-process' | 'ip', fn: () => Promise<T>): Promise<T> {
  const before = process.env.NSLAB_NATIVE;
  process.env.NSLAB_NATIVE = path === 'ip' ? '0' : '1';
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env.NSLAB_NATIVE;
    else process.env.NSLAB_NATIVE = before;
  }
}

function builtWith(path: 'in-process' | 'ip', text: string): Promise<{ state: unknown; inProcess: number }> {
  return onPath(path, async () => {
    const lab = labFromText(text);
    try {
      const r = await up(lab);
      // carrier, link-locals and DAD settle after up returns, on either path
      expect((await waitReady(lab, runner)).ready).toBe(true);
      await new Promise((res) => setTimeout(res, 1500));
      expect(ping(lab.nodes.find((n) => n.name === 'a')!.ns, '198.18.2.2')).toBe(true);
      return { state: readBack(lab), inProcess: r.outcome.inProcess ?? 0 };
    } finally {
      await down(lab.name);
    }
  });
}

describe.skipIf(!isRoot || !native)('rule: a lab built in process is the lab ip -batch builds', () => {
  it('links, flags, masters, aliases, addresses, routes and sysctls read back the same (test/fixtures/labs/in-process.yaml)', async () => {
    const text = read(join(FIXTURES, 'labs/in-process.yaml'));
    const viaIp = await builtWith('ip', text);
    const inProc = await builtWith('in-process', text);
    expect(viaIp.inProcess).toBe(0);
    expect(inProc.inProcess).toBe(4); // every namespace of the lab
    expect(inProc.state).toEqual(viaIp.state);
  }, 60_000);
});

describe.skipIf(!isRoot)('rule: an interface without IPv6 has no link-local address, however fast it comes up', () => {
  // A bridge brought up right after it is made, and the second end of each
  // veth, had one on the ip path too (addrgenmode rode in the up request).
  const text = `name: x
ipam: { p2p: 198.18.64.0/20 }
nodes:
  "r{1..30}": { sysctl: { net.ipv4.ip_forward: 1 } }
  "h{1..3}": {}
  lan: { kind: bridge, subnet: 198.18.80.0/24 }
links:
  - endpoints: ["r{1..29}:eth1", "r{2..30}:eth0"]
  - endpoints: ["h{1..3}:eth0", lan]
  - endpoints: [r1:eth0, lan]
`;
  for (const path of ['ip', 'in-process'] as const) {
    it.skipIf(path === 'in-process' && !native)(`${path}: a chain of 30 routers and a bridge of 4: no fe80:: anywhere`, () =>
      onPath(path, async () => {
        const lab = labFromText(text);
        try {
          const r = await up(lab);
          expect(r.outcome.inProcess ?? 0).toBe(path === 'ip' ? 0 : 34);
          await waitReady(lab, runner);
          const linkLocal = lab.nodes.flatMap((n) => json(n.ns, '-6', 'addr', 'show').flatMap((l) => (l.addr_info as { local: string }[]).filter((a) => a.local.startsWith('fe80')).map((a) => `${n.name} ${String(l.ifname)} ${a.local}`)));
          expect(linkLocal).toEqual([]);
        } finally {
          await down(lab.name);
        }
      }),
    60_000);
  }
});

describe.skipIf(!isRoot || !native)('rule: a failed step in process is reported as ip reports it', () => {
  const made: string[] = [];
  afterEach(() => {
    for (const ns of made.splice(0)) spawnSync('ip', ['netns', 'del', ns]);
  });
  const plan = (ns: string, lines: string[], extra: Partial<Step> = {}): Plan => ({
    kind: 'create',
    lab: 'x',
    steps: [
      { id: 'ns', ns: null, argv: ['ip', 'netns', 'add', ns], deps: [], why: '' },
      ...lines.map((l, i): Step => ({ id: `s${i}`, ns, argv: l.split(' ') as Step['argv'], deps: i === 0 ? ['ns'] : [`s${i - 1}`], why: l, ...extra })),
    ],
  });

  it('a device that is not there stops the namespace at that step; later steps never run', async () => {
    const ns = uniqueName();
    made.push(ns);
    const o = await executePlan(plan(ns, ['ip link set dev lo up', 'ip addr add 198.18.0.1/24 dev nosuch', 'ip addr add 198.18.0.2/32 dev lo']), runner, { inProcess: native });
    const lo = () => (json(ns, 'addr', 'show', 'dev', 'lo')[0]!.addr_info as { local: string }[]).map((a) => a.local);
    expect(o.ok).toBe(false);
    expect(o.inProcess).toBe(1);
    expect(o.failures.map((f) => [f.step.id, f.message])).toEqual([['s1', 'Cannot find device "nosuch"']]);
    expect([...o.done].sort()).toEqual(['ns', 's0']);
    expect(lo()).toEqual(['127.0.0.1', '::1']); // s2 did not run
  });

  it('the kernel\'s refusal, in its words; "already there" is done for a step that allows it', async () => {
    const ns = uniqueName();
    made.push(ns);
    const lines = ['ip link set dev lo up', 'ip addr add 127.0.0.1/8 dev lo'];
    const refused = await executePlan(plan(ns, lines), runner, { inProcess: native });
    // ip says only the first line; the second keeps the errno's words, which "already there" is read from
    expect(refused.failures.map((f) => f.message)).toEqual(['Error: ipv4: Address already assigned.\nRTNETLINK answers: File exists']);
    spawnSync('ip', ['netns', 'del', ns]);
    const tolerated = await executePlan(plan(ns, lines, { ifExists: 'ok' }), runner, { inProcess: native });
    expect(tolerated.ok).toBe(true);
  });

  it('a sysctl the kernel does not have', async () => {
    const ns = uniqueName();
    made.push(ns);
    const o = await executePlan(plan(ns, ['sysctl -w net.ipv4.no_such_key=1']), runner, { inProcess: native });
    expect(o.failures.map((f) => f.message)).toEqual(['sysctl: cannot stat /proc/sys/net/ipv4/no_such_key: No such file or directory']);
  });

  it('a namespace that is gone', async () => {
    const ns = uniqueName();
    const p = plan(ns, ['ip link set dev lo up']);
    p.steps[1]!.deps = [];
    const o = await executePlan({ ...p, steps: [p.steps[1]!] }, runner, { inProcess: native });
    expect(o.failures[0]!.message).toBe(`nsenter: cannot open /run/netns/${ns}: No such file or directory`);
    expect(namespaces(ns)).toEqual([]);
  });
});

describe.skipIf(!isRoot || !native)('rule: a lab\'s tags read in process are the tags ip reads (down and status without state)', () => {
  const made: string[] = [];
  afterEach(() => {
    for (const ns of made.splice(0)) spawnSync('ip', ['netns', 'del', ns]);
  });

  it('tagged for this lab, for another, untagged, an alias with spaces, and a namespace gone meanwhile', async () => {
    const lab = uniqueName();
    const [mine, other, bare, spaced] = ['mine', 'other', 'bare', 'spaced'].map((n) => `${lab}-${n}`) as [string, string, string, string];
    for (const ns of [mine, other, bare, spaced]) {
      made.push(ns);
      expect(spawnSync('ip', ['netns', 'add', ns]).status).toBe(0);
    }
    spawnSync('ip', ['-n', mine, 'link', 'set', 'lo', 'alias', `nslab:${lab}`]);
    spawnSync('ip', ['-n', other, 'link', 'set', 'lo', 'alias', 'nslab:someone-else']);
    spawnSync('ip', ['-n', spaced, 'link', 'set', 'lo', 'alias', 'not ours']);
    const all = [mine, other, bare, spaced, `${lab}-gone`];
    const viaIp = await namespaceTags(runner, all);
    const viaNative = await namespaceTags(runner, all, { inProcess: native });
    expect(viaIp.get(mine)).toBe(`nslab:${lab}`); // the reading itself, not only the agreement
    expect(viaIp.get(bare)).toBeUndefined();
    // ip -o prints an alias up to its first space; what decides (nslab:<lab> or not) is the same
    expect(viaNative.get(spaced)).toBe('not ours');
    expect(viaIp.get(spaced)).toBe('not');
    expect(new Map([...viaNative].filter(([ns]) => ns !== spaced))).toEqual(new Map([...viaIp].filter(([ns]) => ns !== spaced)));
  });
});

describe.skipIf(!isRoot || !native)('rule: links read in process are the links ip reads (waiting for carrier)', () => {
  it('every namespace of a lab: names, flags, MTU, qdisc, alias — the same both ways', async () => {
    const lab = labFromText(read(join(FIXTURES, 'labs/in-process.yaml')));
    try {
      await up(lab);
      expect((await waitReady(lab, runner, { inProcess: native })).ready).toBe(true);
      const view = (m: Map<string, { links: { ifname: string; flags: string[]; mtu: number; qdisc?: string; ifalias?: string }[] }>) =>
        new Map([...m].map(([ns, o]) => [ns, o.links.map((l) => ({ ifname: l.ifname, flags: l.flags, mtu: l.mtu, qdisc: l.qdisc, ifalias: l.ifalias })).sort((a, b) => a.ifname.localeCompare(b.ifname))]));
      const viaIp = view(await inspectLab(lab, runner, { only: 'links' }));
      // no process on this path: a runner that refuses every command proves it
      const refusing = { run: () => Promise.reject(new Error('a process was started')) } as unknown as typeof runner;
      const viaNative = view(await inspectLab(lab, refusing, { only: 'links', inProcess: native }));
      expect(viaIp.size).toBe(lab.nodes.length);
      expect([...viaIp.values()].flat().some((l) => l.flags.includes('LOWER_UP'))).toBe(true);
      expect(viaNative).toEqual(viaIp);
    } finally {
      await down(lab.name);
    }
  });
});
