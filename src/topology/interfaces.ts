/**
 * A node's IP interfaces: the ends of its links, and the VLAN interfaces of
 * a trunk's end (`eth0.10`). What addresses, routes, checks and hosts files
 * see of a node; the plan and the kernel also know which is which.
 */
import type { SourceLoc } from '../diagnostics.js';
import type { End, IfAddress, Link } from './model.js';

export interface IpInterface {
  node: string;
  ifname: string;
  addresses: IfAddress[];
  mtu?: number;
  loc: SourceLoc;
  link: Link;
  /** the link end it is, or whose VLAN interface it is */
  end: End;
  /** a VLAN interface: its VLAN */
  vid?: number;
}

/** Every interface of the lab's nodes (bridge ports excluded), in file order. */
export function ipInterfaces(links: readonly Link[]): IpInterface[] {
  const out: IpInterface[] = [];
  for (const link of links) {
    for (const end of link.ends) {
      if (end.kind !== 'netns') continue;
      out.push({ node: end.node, ifname: end.ifname, addresses: end.addresses, mtu: end.mtu, loc: end.loc, link, end });
      for (const v of end.vlanIfs ?? []) out.push({ node: end.node, ifname: v.ifname, addresses: v.addresses, mtu: end.mtu, loc: v.loc, link, end, vid: v.vid });
    }
  }
  return out;
}

/**
 * A link's ends, then its trunk ends' VLAN interfaces as ends of their own
 * (`eth0.10`, with its addresses): for code that looks interfaces up by
 * node and name, bridge ports included.
 */
export function endsAndVlanIfs(link: Link): End[] {
  const out: End[] = [...link.ends];
  for (const e of link.ends) {
    for (const v of e.vlanIfs ?? []) out.push({ node: e.node, kind: e.kind, ifname: v.ifname, addresses: v.addresses, ...(e.mtu !== undefined ? { mtu: e.mtu } : {}), loc: v.loc });
  }
  return out;
}
