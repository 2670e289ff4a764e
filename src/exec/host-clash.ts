/**
 * A host attachment puts an address (and its connected route) into the
 * host's own namespace. If the host already has that subnet — on an
 * interface, or as a route — the two compete, and the lab can cut the host
 * off its own network. Refused before anything is built (exit 4), naming
 * what on the host holds the clash. Pure over `ip -j addr` / `ip -j route`.
 *
 * A published port likewise needs the host port to itself: a socket already
 * bound to it on the host, or another lab's published port, would take its
 * connections (the DNAT comes first, the socket never sees them again).
 */
import { EnvironmentError } from '../diagnostics.js';
import { formatCidr, networkOf, overlaps, parseCidr, type Cidr } from '../topology/ip.js';
import type { Lab } from '../topology/model.js';
import { hostTag } from '../topology/names.js';
import type { Runner } from './runner.js';
import { readFileSync } from 'node:fs';

interface HostAddr {
  ifname: string;
  ifalias?: string;
  addr_info?: { local: string; prefixlen: number }[];
}
interface HostRoute {
  dst: string;
  dev?: string;
  gateway?: string;
}

export interface Clash {
  bridge: string;
  subnet: string;
  /** what on the host overlaps, in words */
  holder: string;
}

export function hostClashes(lab: Lab, addrs: readonly HostAddr[], routes: readonly HostRoute[]): Clash[] {
  const out: Clash[] = [];
  const ownTag = `${hostTag(lab.name)}:`;
  // The lab's own host interfaces (an `apply` to a running lab) and their connected routes are no clash.
  const own = new Set(addrs.filter((a) => a.ifalias?.startsWith(ownTag)).map((a) => a.ifname));
  for (const n of lab.nodes) {
    if (n.kind !== 'bridge' || !n.host) continue;
    const c = n.host.address.cidr;
    const subnet: Cidr = { ...c, value: networkOf(c) };
    const text = formatCidr(subnet);
    for (const a of addrs) {
      if (a.ifalias?.startsWith(ownTag)) continue; // this lab's own host interface
      for (const info of a.addr_info ?? []) {
        const got = parseCidr(`${info.local}/${info.prefixlen}`);
        if (got.ok && overlaps(got.cidr, subnet)) out.push({ bridge: n.name, subnet: text, holder: `host interface ${a.ifname} has ${info.local}/${info.prefixlen}` });
      }
    }
    for (const r of routes) {
      if (r.dst === 'default' || (r.dev !== undefined && own.has(r.dev))) continue;
      const dst = parseCidr(r.dst.includes('/') ? r.dst : `${r.dst}/${r.dst.includes(':') ? 128 : 32}`);
      if (!dst.ok || !overlaps(dst.cidr, subnet)) continue;
      if (out.some((x) => x.bridge === n.name && r.dev !== undefined && x.holder.startsWith(`host interface ${r.dev} `))) continue; // its connected route, already named
      out.push({ bridge: n.name, subnet: text, holder: `the host routes ${r.dst}${r.gateway ? ` via ${r.gateway}` : ''}${r.dev ? ` dev ${r.dev}` : ''}` });
    }
  }
  return out;
}

/** A port something on the host holds: a bound socket, or another lab's published port. */
export interface HostPort {
  proto: 'tcp' | 'udp';
  port: number;
  holder: string;
}

/**
 * Listening TCP and bound UDP sockets from /proc/net/{tcp,udp}[6]: the
 * local address is `HEXADDR:HEXPORT`, the state 0A (TCP LISTEN) or 07
 * (UDP, bound and unconnected).
 */
export function boundPorts(proto: 'tcp' | 'udp', procNet: string): HostPort[] {
  const out: HostPort[] = [];
  for (const line of procNet.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4) continue;
    const port = parseInt(f[1]!.split(':')[1] ?? '', 16);
    if (Number.isNaN(port) || f[3] !== (proto === 'tcp' ? '0A' : '07')) continue;
    out.push({ proto, port, holder: `a ${proto === 'tcp' ? 'listening' : 'bound'} socket on the host (${proto}/${port}; see \`ss -lnp\`)` });
  }
  return out;
}

/** Ports other labs publish, from `iptables -t nat -S PREROUTING`. */
export function publishedPorts(iptablesS: string, ownTag: string): HostPort[] {
  const out: HostPort[] = [];
  for (const line of iptablesS.split('\n')) {
    const m = /-p (tcp|udp)\b.*--dport (\d+)\b.*--comment "?(nslab:[a-z0-9-]+)"?.*-j DNAT/.exec(line);
    if (m && m[3] !== ownTag) out.push({ proto: m[1] as 'tcp' | 'udp', port: Number(m[2]), holder: `lab ${m[3]!.slice('nslab:'.length)} publishes it` });
  }
  return out;
}

export function portClashes(lab: Lab, taken: readonly HostPort[]): string[] {
  const out: string[] = [];
  for (const n of lab.nodes) {
    if (n.kind !== 'bridge' || !n.host) continue;
    for (const p of n.host.publish) {
      const holder = taken.find((t) => t.proto === p.proto && t.port === p.hostPort);
      if (holder) out.push(`host port ${p.hostPort}/${p.proto} (\`${p.text}\` on bridge ${n.name}) is taken: ${holder.holder}`);
    }
  }
  return out;
}

/** Read the host's ports in use and refuse a lab that would publish one of them. */
async function refusePortClashes(lab: Lab, runner: Runner): Promise<void> {
  if (!lab.nodes.some((n) => n.kind === 'bridge' && n.host?.publish.length)) return;
  const read = (f: string) => {
    try {
      return readFileSync(f, 'utf8');
    } catch {
      return '';
    }
  };
  const rules = await runner.run({ argv: ['iptables', '-w', '-t', 'nat', '-S', 'PREROUTING'] });
  const taken = [
    ...(['tcp', 'udp'] as const).flatMap((proto) => [...boundPorts(proto, read(`/proc/net/${proto}`)), ...boundPorts(proto, read(`/proc/net/${proto}6`))]),
    ...publishedPorts(rules.stdout, hostTag(lab.name)),
  ];
  const clashes = portClashes(lab, taken);
  if (clashes.length === 0) return;
  throw new EnvironmentError(`${clashes.join('; ')}; nothing was built`, 'publish another host port (the first number of the mapping), or stop what holds it');
}

/** Read the host's addresses, routes and ports, and refuse a lab that would clash with them. */
export async function refuseHostClashes(lab: Lab, runner: Runner): Promise<void> {
  if (!lab.nodes.some((n) => n.kind === 'bridge' && n.host)) return;
  await refusePortClashes(lab, runner);
  const [addr, links, r4, r6] = await Promise.all([
    runner.run({ argv: ['ip', '-j', 'addr', 'show'] }),
    // `ip addr` leaves out the alias, which is how the lab's own host interface (apply) is known.
    runner.run({ argv: ['ip', '-j', 'link', 'show'] }),
    runner.run({ argv: ['ip', '-j', '-4', 'route', 'show', 'table', 'main'] }),
    runner.run({ argv: ['ip', '-j', '-6', 'route', 'show', 'table', 'main'] }),
  ]);
  const json = <T>(text: string): T[] => {
    try {
      return JSON.parse(text || '[]') as T[];
    } catch {
      return [];
    }
  };
  const alias = new Map(json<{ ifname: string; ifalias?: string }>(links.stdout).map((l) => [l.ifname, l.ifalias]));
  const addrs = json<HostAddr>(addr.stdout).map((a) => ({ ...a, ifalias: a.ifalias ?? alias.get(a.ifname) }));
  const clashes = hostClashes(lab, addrs, [...json<HostRoute>(r4.stdout), ...json<HostRoute>(r6.stdout)]);
  if (clashes.length === 0) return;
  const first = clashes[0]!;
  throw new EnvironmentError(
    `bridge ${first.bridge}'s host attachment (${first.subnet}) clashes with the host's own network: ${clashes.map((c) => c.holder).join('; ')}; nothing was built`,
    'give the bridge a subnet the host does not use (see `ip -br addr` and `ip route` on the host)',
  );
}
