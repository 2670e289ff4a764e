/**
 * Checks on final addresses (after IPAM) and on routes, which need them:
 * addresses inside their bridge's subnet, no address twice on one L2 segment
 * or one node, no IPv4 network/broadcast address, IPv6 only where the MTU
 * allows it, and every route's gateway on a directly connected subnet.
 */
import { contains, formatCidr, isBroadcastAddress, isNetworkAddress, networkOf, parseAddress, parseCidr, type Cidr } from './ip.js';
import type { BridgeNode, End, IfAddress, LabNode, Link, NetnsNode, Route } from './model.js';
import type { Problems } from './problems.js';
import { bridgeSegments } from './segments.js';
import { ipInterfaces } from './interfaces.js';
import type { RawNode } from './schema.js';

/** Where each node came from in the file: its (possibly ranged) key and its raw entry. */
export type NodeOrigins = Map<string, { key: string; raw: RawNode }>;

/** The kernel turns IPv6 off on interfaces whose MTU is below this. */
const IPV6_MIN_MTU = 1280;

export function validateAddressing(origins: NodeOrigins, nodes: Map<string, LabNode>, links: Link[], tainted: ReadonlySet<string>, p: Problems): void {
  // Bridges joined by links form one L2 segment; a point-to-point link is its own.
  const bridgeRoot = bridgeSegments(links);
  const segmentOf = (bridge: string) => `bridge:${bridgeRoot(bridge)}`;
  const bySegment = new Map<string, IfAddress>();
  const byNode = new Map<string, IfAddress>();

  const claim = (addr: IfAddress, segment: string, node: string) => {
    const key = `${addr.cidr.family}|${addr.cidr.value}`;
    const seen = bySegment.get(`${segment}|${key}`) ?? byNode.get(`${node}|${key}`);
    if (seen) {
      p.atLoc(addr.loc, `address ${addr.text} is already used at line ${seen.loc.line}`, 'every address on a segment (and on a node) must be unique');
      return;
    }
    bySegment.set(`${segment}|${key}`, addr);
    byNode.set(`${node}|${key}`, addr);
  };

  for (const n of nodes.values()) {
    if (n.kind === 'bridge' && n.host) {
      const a = n.host.address;
      checkHostBits(a, p);
      inSubnet(a, n, p);
      claim(a, segmentOf(n.name), `host`);
    }
  }
  for (const l of links) {
    const bridgeEnd = l.ends.find((e) => e.kind === 'bridge');
    const bridge = bridgeEnd ? (nodes.get(bridgeEnd.node) as BridgeNode) : undefined;
    for (const e of l.ends) {
      for (const a of e.addresses) {
        if (!a.auto) {
          checkHostBits(a, p);
          if (bridge) inSubnet(a, bridge, p);
        }
        claim(a, bridge ? segmentOf(bridge.name) : `link:${l.index}`, e.node);
      }
      checkIpv6Mtu(e, p);
      // A trunk's VLAN interfaces: each VLAN is a segment of its own.
      for (const v of e.vlanIfs ?? []) {
        for (const a of v.addresses) {
          checkHostBits(a, p);
          claim(a, `${bridge ? segmentOf(bridge.name) : `link:${l.index}`}#${v.vid}`, e.node);
        }
        checkIpv6Mtu({ ...e, addresses: v.addresses }, p);
      }
    }
  }
  for (const n of nodes.values()) if (n.kind === 'netns') n.routes = buildRoutes(origins, n, links, tainted.has(n.name), p);
}

function checkHostBits(a: IfAddress, p: Problems): void {
  if (isNetworkAddress(a.cidr)) p.atLoc(a.loc, `${a.text} is the network address of its subnet`, 'use a host address, e.g. the next one up');
  else if (isBroadcastAddress(a.cidr)) p.atLoc(a.loc, `${a.text} is the broadcast address of its subnet`, 'use a host address, e.g. the one below');
}

function inSubnet(a: IfAddress, bridge: BridgeNode, p: Problems): void {
  const subnet = bridge.subnets.find((s) => s.family === a.cidr.family);
  if (!subnet) return;
  if (!contains(subnet, a.cidr)) {
    p.atLoc(a.loc, `${a.text} is outside subnet ${formatCidr(subnet)} of bridge \`${bridge.name}\``, `pick an address in ${formatCidr(subnet)}, or leave it out to get one`);
  } else if (a.cidr.prefix !== subnet.prefix) {
    p.atLoc(a.loc, `${a.text} has prefix /${a.cidr.prefix} but bridge \`${bridge.name}\`'s subnet is /${subnet.prefix}`, `write /${subnet.prefix}`);
  }
}

function checkIpv6Mtu(e: End, p: Problems): void {
  const v6 = e.addresses.find((a) => a.cidr.family === 6);
  if (v6 && e.mtu !== undefined && e.mtu < IPV6_MIN_MTU) {
    p.atLoc(v6.loc, `${v6.text} needs an MTU of at least ${IPV6_MIN_MTU}, but the interface has ${e.mtu}`, 'the kernel disables IPv6 below 1280 bytes; raise the MTU or drop the IPv6 address');
  }
}

function buildRoutes(origins: NodeOrigins, node: NetnsNode, links: Link[], tainted: boolean, p: Problems): Route[] {
  const origin = origins.get(node.name);
  if (!origin?.raw.routes) return [];
  const raw = { key: origin.key, routes: origin.raw.routes };
  const connected: Cidr[] = ipInterfaces(links).filter((i) => i.node === node.name).flatMap((i) => i.addresses.map((a) => a.cidr));
  const routes: Route[] = [];
  const seen = new Map<string, Route>();
  raw.routes.forEach((r, i) => {
    const path = ['nodes', raw.key, 'routes', i];
    const via = parseAddress(r.via);
    if (!via) return p.at([...path, 'via'], `\`${r.via}\` is not an IP address`, 'a gateway is a plain address, e.g. `10.0.1.1`');
    let dest: Cidr;
    if (r.to === 'default' || r.to === 'default6') {
      const family = r.to === 'default6' ? 6 : via.family;
      dest = { family, value: 0n, prefix: 0 };
    } else {
      const parsed = parseCidr(r.to);
      if (!parsed.ok) return p.at([...path, 'to'], parsed.reason, parsed.hint ?? 'or `default`');
      dest = parsed.cidr;
      const net = networkOf(dest);
      if (net !== dest.value) {
        return p.at([...path, 'to'], `route destination \`${r.to}\` has host bits set`, `did you mean \`${formatCidr({ ...dest, value: net })}\`?`);
      }
    }
    if (dest.family !== via.family) {
      return p.at([...path, 'via'], `gateway ${r.via} is IPv${via.family} but destination \`${r.to}\` is IPv${dest.family}`);
    }
    if (!connected.some((c) => contains(c, via) && c.prefix < (c.family === 4 ? 32 : 128))) {
      if (tainted) return; // a link of this node was dropped: it may have been the one
      const nets = [...new Set(connected.filter((c) => c.family === via.family).map((c) => formatCidr({ ...c, value: networkOf(c) })))];
      return p.at([...path, 'via'], `gateway ${r.via} is not on a subnet directly connected to \`${node.name}\``,
        nets.length ? `\`${node.name}\` is connected to ${nets.join(', ')}` : `\`${node.name}\` has no IPv${via.family} address; give it one on the gateway's subnet`);
    }
    if (connected.some((c) => c.family === via.family && c.value === via.value)) {
      return p.at([...path, 'via'], `gateway ${r.via} is \`${node.name}\`'s own address`);
    }
    const key = `${dest.family}|${dest.value}/${dest.prefix}|${r.metric ?? 0}`;
    const dup = seen.get(key);
    if (dup) return p.at([...path, 'to'], `a route to \`${r.to}\`${r.metric !== undefined ? ` with metric ${r.metric}` : ''} is already defined at line ${dup.loc.line}`, 'a node has one route per destination and metric; a backup route needs a higher `metric`');
    const to = dest.prefix === 0 ? 'default' : formatCidr(dest);
    const route: Route = { to, dest, via, viaText: r.via, ...(r.metric !== undefined ? { metric: r.metric } : {}), loc: p.loc(path) };
    seen.set(key, route);
    routes.push(route);
  });
  return routes;
}
