/**
 * A lab over several hosts, for people and for machines: where each node
 * runs, what the placement cuts, the tunnels, and each host's plan.
 */
import type { MultiHostPlan } from '../multihost/plan.js';
import { planToShell } from './plan-sh.js';
import { planObject } from './plan-json.js';

export function placementToText(mp: MultiHostPlan, version: string): string {
  const { placement, split, spec } = mp;
  const c = placement.cost;
  const lines = [`# lab ${mp.lab} over ${spec.hosts.length} hosts: ${c.tunnels} tunnel${c.tunnels === 1 ? '' : 's'} (${c.cutLinks} cut link${c.cutLinks === 1 ? '' : 's'}, ${c.spannedBridges} bridge${c.spannedBridges === 1 ? '' : 's'} over several hosts: ${c.segmentTunnels})`];
  for (const h of spec.hosts) {
    const nodes = placement.byHost.get(h.name)!;
    const pinned = nodes.filter((n) => placement.pinned.has(n)).length;
    lines.push(`#   ${h.name} (${h.ssh}, underlay ${h.underlay}): ${nodes.length} node${nodes.length === 1 ? '' : 's'} of at most ${placement.capacity.get(h.name)}${pinned ? `, ${pinned} pinned` : ''}: ${abbreviate(nodes)}`);
  }
  for (const t of split.tunnels) lines.push(`#   VNI ${t.vni} udp/${spec.port}: ${t.kind === 'link' ? `link ${t.what}` : `bridge ${t.what}`} (${t.hosts.join(' <-> ')})`);
  const out = [lines.join('\n'), ''];
  for (const h of spec.hosts) {
    out.push(`# ===== host ${h.name} =====`);
    out.push(planToShell(mp.plans.get(h.name)!, version));
  }
  return out.join('\n');
}

export function placementToJson(mp: MultiHostPlan): string {
  const { placement, split, spec } = mp;
  const c = placement.cost;
  return JSON.stringify(
    {
      version: 1,
      hosts: spec.hosts.map((h) => ({ name: h.name, ssh: h.ssh, underlay: h.underlay, weight: h.weight, capacity: placement.capacity.get(h.name)!, nodes: placement.byHost.get(h.name)!, plan: planObject(mp.plans.get(h.name)!) })),
      cost: { tunnels: c.tunnels, cut_links: c.cutLinks, spanned_bridges: c.spannedBridges, segment_tunnels: c.segmentTunnels },
      tunnels: split.tunnels.map((t) => ({ vni: t.vni, port: spec.port, kind: t.kind, what: t.what, hosts: t.hosts })),
    },
    null,
    2,
  ) + '\n';
}

/** `h1 … h500` for a long list, so a 1000-node placement fits a line. */
function abbreviate(names: string[]): string {
  return names.length <= 12 ? names.join(' ') : `${names.slice(0, 6).join(' ')} … ${names.slice(-3).join(' ')}`;
}
