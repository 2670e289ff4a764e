/**
 * A lab over several hosts, planned in one pure step: hosts file + lab →
 * placement → parts → one creation plan per host. Nothing here touches a
 * host; `nslab plan FILE --hosts H` prints what this returns.
 */
import { creationPlan } from '../compile/create.js';
import type { Plan } from '../compile/plan.js';
import type { Diagnostic } from '../diagnostics.js';
import { parseAddress } from '../topology/ip.js';
import type { Lab } from '../topology/model.js';
import { VXLAN_OVERHEAD } from '../topology/vxlan.js';
import type { HostsSpec } from './hosts-file.js';
import { placeLab, type Placement } from './place.js';
import { splitLab, type LabSplit } from './split.js';

export interface MultiHostPlan {
  lab: string;
  spec: HostsSpec;
  placement: Placement;
  split: LabSplit;
  /** host → the creation plan it runs */
  plans: Map<string, Plan>;
}

export function planAcrossHosts(lab: Lab, spec: HostsSpec): { plan?: MultiHostPlan; diagnostics: Diagnostic[] } {
  const placed = placeLab(lab, spec);
  if (!placed.placement) return { diagnostics: placed.diagnostics };
  const { split, diagnostics } = splitLab(lab, spec, placed.placement);
  if (!split) return { diagnostics };
  const plans = new Map([...split.parts].map(([host, part]) => [host, { ...creationPlan(part), host }]));
  return { plan: { lab: lab.name, spec, placement: placed.placement, split, plans }, diagnostics: [] };
}

/** The biggest underlay packet each host sends to each other: its tunnels' largest frame plus the encapsulation. */
export function underlayNeeds(mp: MultiHostPlan): { host: string; to: string; bytes: number }[] {
  const need = new Map<string, number>();
  for (const [host, part] of mp.split.parts) {
    for (const t of part.crossHost ?? []) {
      const overhead = VXLAN_OVERHEAD[parseAddress(t.local)!.family];
      for (const to of t.remotes) {
        const key = `${host} ${to}`;
        need.set(key, Math.max(need.get(key) ?? 0, (t.end.mtu ?? 1500) + overhead));
      }
    }
  }
  return [...need].map(([key, bytes]) => ({ host: key.split(' ')[0]!, to: key.split(' ')[1]!, bytes }));
}
