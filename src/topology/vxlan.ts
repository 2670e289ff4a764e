/**
 * VXLAN links: a tunnel between two nodes over addresses the lab already
 * gives them. In the Lab a tunnel is a Link whose ends are where it attaches
 * at layer 2 — the node's own interface, or a port of a bridge (`bridge:`)
 * — so addressing, segments and checks treat it like any cable; `vxlan`
 * records where each tunnel end starts and which addresses carry it.
 * Addresses are known only after IPAM, so the underlay is resolved last.
 */
import { formatAddress, parseAddress } from './ip.js';
import type { End, LabNode, Link, Vxlan } from './model.js';
import type { Problems } from './problems.js';
import type { RawLink } from './schema.js';

type Path = (string | number)[];

/** IANA's VXLAN port (RFC 7348); Linux's own default is 8472. */
export const VXLAN_PORT = 4789;
/** Outer Ethernet + IP + UDP + VXLAN headers, by underlay family. */
export const VXLAN_OVERHEAD = { 4: 50, 6: 70 } as const;

/** Keys only a vxlan link takes. */
export const VXLAN_ONLY = ['vni', 'port', 'underlay', 'bridge'] as const;

/** A link's raw entry and where it is, for the underlay pass. */
export interface PendingVxlan {
  link: Link;
  raw: RawLink;
  path: Path;
}

/**
 * Turn a vxlan link's two node ends into its layer-2 attachments, moving an
 * end onto its `bridge:`. Returns the tunnel (underlay still unresolved), or
 * undefined when the link cannot be one.
 */
export function attachVxlan(ends: [End, End], raw: RawLink, path: Path, nodes: Map<string, LabNode>, claim: (node: string, ifname: string, at: Path) => boolean, p: Problems): Vxlan | undefined {
  let ok = true;
  if (raw.vni === undefined) {
    p.at(path, 'a vxlan link needs a `vni`', 'add e.g. `vni: 100` (the same on both ends, by construction)');
    ok = false;
  }
  ends.forEach((e, j) => {
    if (e.kind === 'bridge') {
      p.at([...path, 'endpoints', j], `a tunnel starts in a node with an address, and \`${e.node}\` is a bridge`, `write the node that carries it (\`node:vx0\`), and \`bridge: [${j === 0 ? `${e.node}, null` : `null, ${e.node}`}]\` to make the tunnel a port of \`${e.node}\``);
      ok = false;
    }
  });
  if (ok && ends[0].node === ends[1].node) {
    p.at([...path, 'endpoints'], `this tunnel starts and ends in \`${ends[0].node}\``, 'a VXLAN link joins two different nodes');
    ok = false;
  }
  if (!ok) return undefined;
  const tunnel = ends.map((e, j) => {
    const bridge = raw.bridge?.[j] ?? undefined;
    const node = nodes.get(e.node)!;
    if (bridge === undefined) return { node: e.node, ns: node.ns, ifname: e.ifname, local: '', remote: '' };
    const br = nodes.get(bridge);
    if (br?.kind !== 'bridge') {
      p.at([...path, 'bridge', j], br ? `\`${bridge}\` is a namespace, not a bridge` : `unknown bridge \`${bridge}\``, 'name a node of `kind: bridge`, or null');
      ok = false;
    } else if (e.addresses.length) {
      p.atLoc(e.addresses[0]!.loc, `endpoint ${j + 1} becomes a port of bridge \`${bridge}\`, which takes no address`, 'use `null` for it, and address the nodes on the bridge');
      ok = false;
    } else if (claim(bridge, e.ifname, [...path, 'endpoints', j])) {
      // From here on, this end is a port of the bridge.
      ends[j] = { ...e, node: bridge, kind: 'bridge' };
    } else {
      ok = false;
    }
    return { node: e.node, ns: node.ns, ifname: e.ifname, local: '', remote: '', bridge };
  }) as Vxlan['tunnel'];
  return ok ? { vni: raw.vni!, port: raw.port ?? VXLAN_PORT, tunnel } : undefined;
}

/**
 * The addresses each tunnel end sends from and to, and the MTU the
 * encapsulation leaves (unless the link sets one).
 */
export function resolveUnderlay(pending: readonly PendingVxlan[], links: readonly Link[], p: Problems): void {
  for (const { link, raw, path } of pending) {
    const vx = link.vxlan!;
    const locals = vx.tunnel.map((t, j) => underlayOf(t.node, link, links, raw.underlay?.[j], [...path, 'underlay', j], p));
    const [a, b] = locals;
    if (!a || !b) {
      if (raw.underlay === undefined && (!a || !b)) {
        const missing = vx.tunnel[!a ? 0 : 1].node;
        p.at(path, `\`${missing}\` has no address to carry the tunnel`, 'give it an address on a link to the other end\'s network, or write `underlay: [address, address]`');
      }
      continue;
    }
    if (a.family !== b.family) {
      p.at(raw.underlay ? [...path, 'underlay'] : path, `the tunnel's ends send from an IPv${a.family} and an IPv${b.family} address`, 'write `underlay:` with two addresses of one family');
      continue;
    }
    vx.tunnel[0].local = a.text;
    vx.tunnel[0].remote = b.text;
    vx.tunnel[1].local = b.text;
    vx.tunnel[1].remote = a.text;
    if (raw.mtu === undefined) {
      for (const [j, e] of link.ends.entries()) e.mtu = (locals[j]!.mtu ?? 1500) - VXLAN_OVERHEAD[a.family];
    }
  }
}

interface Underlay {
  text: string;
  family: 4 | 6;
  /** the MTU of the interface holding it */
  mtu?: number;
}

function underlayOf(node: string, self: Link, links: readonly Link[], written: string | undefined, at: Path, p: Problems): Underlay | undefined {
  const own = links.filter((l) => l !== self).flatMap((l) => l.ends.filter((e) => e.node === node && e.kind === 'netns').flatMap((e) => [
    ...e.addresses.map((a) => ({ a, mtu: e.mtu })),
    ...(e.vlanIfs ?? []).flatMap((v) => v.addresses.map((a) => ({ a, mtu: e.mtu }))),
  ]));
  if (written === undefined) {
    const pick = own.find((x) => x.a.cidr.family === 4) ?? own[0];
    return pick ? { text: formatAddress(pick.a.cidr), family: pick.a.cidr.family, mtu: pick.mtu } : undefined;
  }
  const addr = parseAddress(written);
  if (!addr) {
    p.at(at, `\`${written}\` is not an IP address`, 'an underlay address is plain, e.g. `10.0.0.1`');
    return undefined;
  }
  const mine = own.find((x) => x.a.cidr.family === addr.family && x.a.cidr.value === addr.value);
  if (!mine) {
    p.at(at, `${written} is not an address of \`${node}\``, own.length ? `\`${node}\` has ${own.map((x) => formatAddress(x.a.cidr)).join(', ')}` : `give \`${node}\` that address on one of its links`);
    return undefined;
  }
  return { text: formatAddress(addr), family: addr.family, mtu: mine.mtu };
}
