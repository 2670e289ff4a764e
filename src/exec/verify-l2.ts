/**
 * The layer-2 part of `status --verify`: bridge settings, port options and
 * VLANs, MAC addresses, promiscuous mode, VLAN interfaces and tunnels, each
 * compared with what `ip -d link` and `bridge vlan` show. Pure.
 */
import { formatLoc } from '../diagnostics.js';
import type { BridgeNode, End, Link } from '../topology/model.js';
import type { ObservedLink, ObservedNamespace } from './inspect.js';

/** The bridge device's settings. */
export function bridgeProblems(node: BridgeNode, br: ObservedLink, where: string): string[] {
  const o = node.options;
  const info = br.info ?? {};
  const out: string[] = [];
  const want = (key: string, expected: number | undefined, what: string) => {
    if (expected === undefined) return;
    const got = info[key];
    if (got !== expected) out.push(`${where}: ${what} ${got ?? '(unread)'}, expected ${expected} (${formatLoc(node.loc)})`);
  };
  const flag = (b: boolean | undefined) => (b === undefined ? undefined : b ? 1 : 0);
  want('vlan_filtering', flag(o.vlanFiltering), 'vlan_filtering');
  want('stp_state', flag(o.stp), 'stp_state');
  want('forward_delay', o.forwardDelayCs, 'forward_delay (cs)');
  want('ageing_time', o.ageingTimeCs, 'ageing_time (cs)');
  want('mcast_snooping', flag(o.mcastSnooping), 'mcast_snooping');
  return out;
}

/** One end of a link as the kernel holds it: MAC, promisc, port options and VLANs, tunnel. */
export function endProblems(link: Link, end: End, l: ObservedLink, o: ObservedNamespace, where: string): string[] {
  const out: string[] = [];
  const at = ` (${formatLoc(end.loc)})`;
  if (end.mac && l.address?.toLowerCase() !== end.mac) out.push(`${where}: MAC ${l.address ?? '(unread)'}, expected ${end.mac}${at}`);
  if (end.promisc !== undefined && l.flags.includes('PROMISC') !== end.promisc) out.push(`${where}: promiscuous mode ${end.promisc ? 'off' : 'on'}, expected ${end.promisc ? 'on' : 'off'}${at}`);
  const port = end.port;
  for (const key of ['hairpin', 'isolated'] as const) {
    if (port?.[key] !== undefined && l.port?.[key] !== port[key]) out.push(`${where}: ${key} ${l.port?.[key] === true ? 'on' : 'off'}, expected ${port[key] ? 'on' : 'off'}${at}`);
  }
  if (port?.pvid !== undefined || port?.tagged) out.push(...vlanProblems(end, o.vlans.get(end.ifname) ?? [], where));
  const j = link.ends.indexOf(end);
  const t = link.vxlan?.tunnel[j];
  if (link.vxlan && t) {
    const info = l.info ?? {};
    const expected = { id: link.vxlan.vni, local: t.local, remote: t.remote, port: link.vxlan.port };
    const got = { id: info.id, local: info.local ?? info.local6, remote: info.remote ?? info.remote6, port: info.port };
    if (l.kind !== 'vxlan') out.push(`${where}: a ${l.kind ?? 'device'} where a vxlan device was expected${at}`);
    else if (JSON.stringify(got) !== JSON.stringify(expected)) out.push(`${where}: vxlan ${describe(got)}, expected ${describe(expected)}${at}`);
  }
  return out;
}

const describe = (v: { id: unknown; local: unknown; remote: unknown; port: unknown }) => `VNI ${v.id} ${v.local} -> ${v.remote} port ${v.port}`;

function vlanProblems(end: End, got: readonly { vid: number; pvid: boolean; untagged: boolean }[], where: string): string[] {
  const port = end.port!;
  const want = [
    ...(port.pvid !== undefined ? [{ vid: port.pvid, pvid: true, untagged: true }] : []),
    ...(port.tagged ?? []).map((vid) => ({ vid, pvid: false, untagged: false })),
  ].sort((a, b) => a.vid - b.vid);
  const text = (list: readonly { vid: number; pvid: boolean; untagged: boolean }[]) => list.map((v) => `${v.vid}${v.pvid ? ' pvid' : ''}${v.untagged ? ' untagged' : ''}`).join(', ') || 'none';
  const sorted = [...got].sort((a, b) => a.vid - b.vid);
  return text(sorted) === text(want) ? [] : [`${where}: VLANs ${text(sorted)}, expected ${text(want)} (${formatLoc(end.loc)})`];
}

/** A trunk end's VLAN interfaces: there, of the right VLAN, up, with their addresses. */
export function vlanInterfaceProblems(end: End, o: ObservedNamespace): string[] {
  const out: string[] = [];
  for (const v of end.vlanIfs ?? []) {
    const where = `${o.ns}:${v.ifname}`;
    const l = o.links.find((x) => x.ifname === v.ifname);
    if (!l) {
      out.push(`${where}: VLAN interface missing (${formatLoc(v.loc)})`);
      continue;
    }
    if (l.kind !== 'vlan' || l.info?.id !== v.vid) out.push(`${where}: not VLAN ${v.vid} of ${end.ifname}`);
    if (!l.flags.includes('UP')) out.push(`${where}: not up`);
    for (const a of v.addresses) {
      if (!l.addresses.includes(a.text)) out.push(`${where}: address ${a.text} missing (${formatLoc(a.loc)})`);
    }
  }
  return out;
}
