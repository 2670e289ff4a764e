/**
 * Identity: what makes two versions of a lab's object "the same" for a
 * change plan. An object whose identity holds is changed in place (its
 * namespace and interfaces stay, and with them the processes using them);
 * one whose identity changed is removed and created anew.
 */
import type { End, Link } from '../topology/model.js';
import { SHAPE_QUEUES } from '../topology/schema.js';

export const endKey = (e: Pick<End, 'node' | 'ifname'>) => `${e.node}:${e.ifname}`;

/**
 * A link is its two attachment points (order does not matter) and, for a
 * tunnel, everything fixed when the device is created: VNI, port, the nodes
 * and addresses it runs between, and where each end is bridged.
 */
export function linkKey(link: Link): string {
  const ends = link.ends.map(endKey).sort().join(' <-> ');
  const vx = link.vxlan;
  if (!vx) return ends;
  const tunnel = vx.tunnel.map((t) => `${t.node}:${t.ifname}@${t.local}>${t.remote}${t.bridge ? `/${t.bridge}` : ''}`).sort().join(',');
  return `${ends} vxlan ${vx.vni}:${vx.port} ${tunnel}`;
}

/** The ends of two versions of one link, paired by attachment point. */
export function pairEnds(from: Link, to: Link): [End, End][] {
  return from.ends.map((e) => [e, to.ends.find((x) => endKey(x) === endKey(e))!] as [End, End]);
}

/** A qdisc step is named by its kind (compile/create.ts): netem, tbf, or the queue in front of tbf. */
const QDISC_KINDS: readonly string[] = ['netem', 'tbf', ...SHAPE_QUEUES];

/** Creation-plan step ids of one end's configuration (bridge port or node interface, its VLAN interfaces and qdiscs). */
export function isStepOfEnd(id: string, e: Pick<End, 'node' | 'ifname'>): boolean {
  const [kind, owner, ifname] = id.split(':');
  if (owner !== e.node || ifname === undefined) return false;
  const mine = ifname === e.ifname || ifname.startsWith(`${e.ifname}.`);
  return mine && (['addr', 'gen', 'up', 'vlanif', 'port', 'portopt', 'vlan'].includes(kind!) || QDISC_KINDS.includes(kind!));
}

/** Creation-plan step ids of one end's impairment: its qdiscs. */
export function isQdiscStepOf(id: string, e: Pick<End, 'node' | 'ifname'>): boolean {
  const [kind, owner, ifname] = id.split(':');
  return owner === e.node && ifname === e.ifname && QDISC_KINDS.includes(kind!);
}

/** Creation-plan step ids of a link's device(s): the veth pair, or each tunnel end and its move into a bridge. */
export function isStepOfLinkDevice(id: string, index: number): boolean {
  return id === `veth:${index}` || id.startsWith(`vxlan:${index}:`) || id.startsWith(`vxmove:${index}:`);
}

/** Creation-plan step ids of a node or bridge itself (not its links). */
export function isStepOfNode(id: string, node: string): boolean {
  const [kind, owner] = id.split(':');
  if (owner !== node) return false;
  return ['netns', 'lo', 'sysctl', 'route', 'nft', 'setup', 'bridge', 'gen', 'up'].includes(kind!) && ((kind !== 'up' && kind !== 'gen') || id === `${kind}:${node}`);
}

/** Creation-plan step ids of a bridge's host attachment. */
export function isStepOfHost(id: string, bridge: string): boolean {
  const [kind, owner] = id.split(':');
  return owner === bridge && ['hostveth', 'hostalias', 'hostaddr', 'hostup', 'hostfwd', 'hostnat', 'publish'].includes(kind!);
}
