/**
 * Steps for what a link sets on a bridge port after it is enslaved: hairpin
 * and isolation (`ip link set … type bridge_slave`, which the kernel refuses
 * in the same message as `master`), then VLAN membership (`bridge vlan`).
 * A node's interface waits for the last of them, so its first frame is
 * already in the right VLAN.
 */
import type { SourceLoc } from '../diagnostics.js';
import type { End } from '../topology/model.js';
import type { Step } from './plan.js';

/** The id of the last step that configures a bridge port: what a node behind it waits for. */
export function portReadyId(bridge: string, ifname: string, end: End | undefined): string {
  const base = `${bridge}:${ifname}`;
  const port = end?.port;
  if (port?.tagged?.length) return `vlan:${base}:${port.tagged.at(-1)}`;
  if (port?.pvid !== undefined) return `vlan:${base}:${port.pvid}`;
  if (port?.hairpin !== undefined || port?.isolated !== undefined) return `portopt:${base}`;
  return `port:${base}`;
}

/** After `port:<bridge>:<ifname>`: its options, then its VLANs, each step after the one before. */
export function portOptionSteps(bridge: string, ns: string, ifname: string, end: End, source: SourceLoc): Step[] {
  const port = end.port;
  if (!port) return [];
  const base = `${bridge}:${ifname}`;
  const steps: Step[] = [];
  let prev = `port:${base}`;
  const push = (id: string, argv: Step['argv'], why: string) => {
    steps.push({ id, ns, argv, deps: [prev], why, source });
    prev = id;
  };
  if (port.hairpin !== undefined || port.isolated !== undefined) {
    const words = [...(port.hairpin !== undefined ? ['hairpin', port.hairpin ? 'on' : 'off'] : []), ...(port.isolated !== undefined ? ['isolated', port.isolated ? 'on' : 'off'] : [])];
    push(`portopt:${base}`, ['ip', 'link', 'set', 'dev', ifname, 'type', 'bridge_slave', ...words], `${words.join(' ')} on port ${ifname}`);
  }
  const vids = [...(port.pvid !== undefined ? [port.pvid] : []), ...(port.tagged ?? [])];
  if (vids.length === 0) return steps;
  // A new port is an untagged member of VLAN 1; a port with VLANs of its own
  // is a member of exactly those, or VLAN 1 would still reach it.
  if (!vids.includes(1)) push(`vlan:${base}:del1`, ['bridge', 'vlan', 'del', 'dev', ifname, 'vid', '1'], `port ${ifname} leaves the default VLAN 1`);
  if (port.pvid !== undefined) push(`vlan:${base}:${port.pvid}`, ['bridge', 'vlan', 'add', 'dev', ifname, 'vid', String(port.pvid), 'pvid', 'untagged'], `port ${ifname}: access port in VLAN ${port.pvid}`);
  for (const vid of port.tagged ?? []) push(`vlan:${base}:${vid}`, ['bridge', 'vlan', 'add', 'dev', ifname, 'vid', String(vid)], `port ${ifname}: VLAN ${vid} tagged`);
  return steps;
}
