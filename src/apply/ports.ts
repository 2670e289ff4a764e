/**
 * A bridge port's options from one version of a link to the next: only the
 * settings that differ, and a setting the file dropped goes back to the
 * kernel's default (hairpin and isolation off; VLAN 1, untagged, PVID).
 */
import type { SourceLoc } from '../diagnostics.js';
import type { Step } from '../compile/plan.js';
import type { PortOptions } from '../topology/model.js';

interface Membership {
  vid: number;
  pvid: boolean;
}

/** What `bridge vlan` shows for a port with these options (a port without any: VLAN 1, PVID, untagged). */
export function membership(port: PortOptions | undefined): Membership[] {
  if (port?.pvid === undefined && !port?.tagged) return [{ vid: 1, pvid: true }];
  return [...(port.pvid !== undefined ? [{ vid: port.pvid, pvid: true }] : []), ...(port.tagged ?? []).map((vid) => ({ vid, pvid: false }))];
}

export function portChangeSteps(bridge: string, ns: string, ifname: string, before: PortOptions | undefined, after: PortOptions | undefined, source: SourceLoc): Step[] {
  const steps: Step[] = [];
  const base = `${bridge}:${ifname}`;
  const flags: string[] = [];
  for (const key of ['hairpin', 'isolated'] as const) {
    if ((before?.[key] ?? false) !== (after?.[key] ?? false)) flags.push(key, after?.[key] ? 'on' : 'off');
  }
  if (flags.length) steps.push({ id: `portopt:${base}`, ns, argv: ['ip', 'link', 'set', 'dev', ifname, 'type', 'bridge_slave', ...flags], deps: [], why: `${flags.join(' ')} on port ${ifname}`, source });
  const was = membership(before);
  const now = membership(after);
  for (const m of was) {
    if (now.some((n) => n.vid === m.vid)) continue;
    steps.push({ id: `vlandel:${base}:${m.vid}`, ns, argv: ['bridge', 'vlan', 'del', 'dev', ifname, 'vid', String(m.vid)], deps: [], why: `port ${ifname} leaves VLAN ${m.vid}`, source });
  }
  for (const m of now) {
    if (was.some((w) => w.vid === m.vid && w.pvid === m.pvid)) continue;
    steps.push({ id: `vlan:${base}:${m.vid}`, ns, argv: ['bridge', 'vlan', 'add', 'dev', ifname, 'vid', String(m.vid), ...(m.pvid ? ['pvid', 'untagged'] : [])], deps: [], why: `port ${ifname}: VLAN ${m.vid}${m.pvid ? ' untagged (PVID)' : ' tagged'}`, source });
  }
  return steps;
}
