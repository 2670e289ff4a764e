/**
 * A host attachment puts an address (and its connected route) into the
 * host's own namespace. If the host already has that subnet — on an
 * interface, or as a route — the two compete, and the lab can cut the host
 * off its own network. Refused before anything is built (exit 4), naming
 * what on the host holds the clash. Pure over `ip -j addr` / `ip -j route`.
 */
import { EnvironmentError } from '../diagnostics.js';
import { formatCidr, networkOf, overlaps, parseCidr, type Cidr } from '../topology/ip.js';
import type { Lab } from '../topology/model.js';
import { hostTag } from '../topology/names.js';
import type { Runner } from './runner.js';

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
      if (r.dst === 'default') continue;
      const dst = parseCidr(r.dst.includes('/') ? r.dst : `${r.dst}/${r.dst.includes(':') ? 128 : 32}`);
      if (!dst.ok || !overlaps(dst.cidr, subnet)) continue;
      if (out.some((x) => x.bridge === n.name && r.dev !== undefined && x.holder.startsWith(`host interface ${r.dev} `))) continue; // its connected route, already named
      out.push({ bridge: n.name, subnet: text, holder: `the host routes ${r.dst}${r.gateway ? ` via ${r.gateway}` : ''}${r.dev ? ` dev ${r.dev}` : ''}` });
    }
  }
  return out;
}

/** Read the host's addresses and routes and refuse a lab that would clash with them. */
export async function refuseHostClashes(lab: Lab, runner: Runner): Promise<void> {
  if (!lab.nodes.some((n) => n.kind === 'bridge' && n.host)) return;
  const [addr, r4, r6] = await Promise.all([
    runner.run({ argv: ['ip', '-j', 'addr', 'show'] }),
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
  const clashes = hostClashes(lab, json<HostAddr>(addr.stdout), [...json<HostRoute>(r4.stdout), ...json<HostRoute>(r6.stdout)]);
  if (clashes.length === 0) return;
  const first = clashes[0]!;
  throw new EnvironmentError(
    `bridge ${first.bridge}'s host attachment (${first.subnet}) clashes with the host's own network: ${clashes.map((c) => c.holder).join('; ')}; nothing was built`,
    'give the bridge a subnet the host does not use (see `ip -br addr` and `ip route` on the host)',
  );
}
