/**
 * IPAM: addresses for interfaces the file did not address.
 *
 * - A namespace interface on a bridge with a `subnet` gets the lowest free
 *   host address of that subnet (per family), in link order, skipping
 *   addresses written explicitly anywhere on the bridge and the host gateway.
 * - A link between two namespaces without `ip:` gets the next free /30
 *   (IPv4) or /64 (IPv6) from `ipam.p2p` / `ipam.p2p6`, lower address on
 *   endpoint a.
 *
 * Same file, same addresses, every time: the order is the file's order.
 */
import { contains, formatCidr, overlaps, parseCidr, subnetAt, usableHosts, type Cidr, type Family } from './ip.js';
import type { BridgeNode, End, LabNode, Link } from './model.js';
import type { Problems } from './problems.js';
import type { TopologyFile } from './schema.js';

export function assignAddresses(file: TopologyFile, nodes: Map<string, LabNode>, links: Link[], p: Problems): void {
  assignBridgeSubnets(nodes, links, p);
  assignPointToPoint(file, links, p);
}

function assignBridgeSubnets(nodes: Map<string, LabNode>, links: Link[], p: Problems): void {
  const members = new Map<string, End[]>();
  for (const l of links) {
    const [a, b] = l.ends;
    // A node's end of a trunk carries only tagged VLANs: its VLAN interfaces
    // take the addresses, as written; the trunk interface itself needs none.
    if (a.kind === 'bridge' && b.kind === 'netns' && !b.vlanIfs) push(members, a.node, b);
    if (b.kind === 'bridge' && a.kind === 'netns' && !a.vlanIfs) push(members, b.node, a);
  }
  for (const node of nodes.values()) {
    if (node.kind !== 'bridge') continue;
    for (const subnet of node.subnets) assignFromSubnet(node, subnet, members.get(node.name) ?? [], p);
  }
}

function assignFromSubnet(bridge: BridgeNode, subnet: BridgeNode['subnets'][number], members: End[], p: Problems): void {
  const used = new Set<bigint>();
  for (const m of members) for (const a of m.addresses) if (contains(subnet, a.cidr)) used.add(a.cidr.value);
  if (bridge.host && contains(subnet, bridge.host.address.cidr)) used.add(bridge.host.address.cidr.value);
  const needing = members.filter((m) => !m.addresses.some((a) => a.cidr.family === subnet.family));
  const { first, count } = usableHosts(subnet);
  const free = count - BigInt(used.size);
  if (BigInt(needing.length) > free) {
    const want = needing.length + used.size;
    p.atLoc(subnet.loc, `subnet ${formatCidr(subnet)} of \`${bridge.name}\` has ${free} free addresses but ${needing.length} interfaces need one`,
      `use a larger subnet, e.g. /${smallestPrefixFor(want, subnet.family)}`);
    return;
  }
  let next = first;
  for (const m of needing) {
    while (used.has(next)) next++;
    const cidr: Cidr = { family: subnet.family, value: next, prefix: subnet.prefix };
    m.addresses.push({ cidr, text: formatCidr(cidr), auto: true, loc: subnet.loc });
    next++;
  }
}

function smallestPrefixFor(hosts: number, family: Family): number {
  const bits = family === 4 ? 32 : 128;
  const reserved = family === 4 ? 2 : 1;
  let prefix = bits;
  while (prefix > 0 && 2 ** (bits - prefix) - reserved < hosts) prefix--;
  return prefix;
}

const P2P_LENGTH: Record<Family, number> = { 4: 30, 6: 64 };

function assignPointToPoint(file: TopologyFile, links: Link[], p: Problems): void {
  const pools: [Family, string | undefined][] = [[4, file.ipam?.p2p], [6, file.ipam?.p2p6]];
  const explicit = links.flatMap((l) => l.ends.flatMap((e) => [...e.addresses, ...(e.vlanIfs ?? []).flatMap((v) => v.addresses)].filter((a) => !a.auto)));
  for (const [family, text] of pools) {
    if (text === undefined) continue;
    const key = family === 4 ? 'p2p' : 'p2p6';
    const parsed = parseCidr(text);
    if (!parsed.ok) {
      p.at(['ipam', key], parsed.reason, parsed.hint);
      continue;
    }
    const pool = parsed.cidr;
    if (pool.family !== family) {
      p.at(['ipam', key], `\`${key}\` takes an IPv${family} prefix`);
      continue;
    }
    const eligible = links.filter((l) => !l.ipWritten && l.ends.every((e) => e.kind === 'netns' && !e.vlanIfs));
    let n = 0n;
    for (const l of eligible) {
      let sub = subnetAt(pool, P2P_LENGTH[family], n);
      // Skip blocks that hold an address written in the file, so a pool never collides with it.
      while (sub && explicit.some((a) => overlaps(sub!, a.cidr))) sub = subnetAt(pool, P2P_LENGTH[family], ++n);
      if (!sub) {
        p.at(['ipam', key], `pool ${text} is too small for ${eligible.length} point-to-point links`, `each link takes a /${P2P_LENGTH[family]}; use a larger pool`);
        return;
      }
      const { first } = usableHosts(sub);
      l.ends.forEach((e, j) => {
        const cidr: Cidr = { family, value: first + BigInt(j), prefix: sub!.prefix };
        e.addresses.push({ cidr, text: formatCidr(cidr), auto: true, loc: p.loc(['ipam', key]) });
      });
      n++;
    }
  }
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}
