import { ExitCode, TopologyError, UsageError } from '../../diagnostics.js';
import type { Lab } from '../../topology/model.js';
import { creationPlan } from '../../compile/create.js';
import { footprintOf, teardownPlan } from '../../compile/teardown.js';
import { planToJson } from '../../render/plan-json.js';
import { planToShell } from '../../render/plan-sh.js';
import { readLab } from './lab-name.js';
import { VERSION, type Io } from '../io.js';

export async function planCommand(io: Io, file: string, opts: { format: 'sh' | 'json'; teardown?: boolean; strict?: boolean; hosts?: string }): Promise<number> {
  const lab = await readLab(io, file, { strict: opts.strict });
  if (opts.hosts !== undefined) return planOverHosts(io, lab, opts.hosts, opts);
  const plan = opts.teardown ? teardownPlan(footprintOf(lab), lab.file) : creationPlan(lab);
  io.out(opts.format === 'json' ? planToJson(plan) : planToShell(plan, VERSION));
  return ExitCode.ok;
}

/** The placement over the hosts file's machines, then each host's plan. */
async function planOverHosts(io: Io, lab: Lab, hostsFile: string, opts: { format: 'sh' | 'json'; teardown?: boolean }): Promise<number> {
  if (opts.teardown) throw new UsageError('--teardown and --hosts go separately for now', 'the teardown of a lab over several hosts is the tag sweep of each host: `nslab down LAB` there');
  const [{ planAcrossHosts }, { readHostsFile }] = await Promise.all([import('../../multihost/plan.js'), import('./hosts.js')]);
  const { spec, text } = await readHostsFile(hostsFile);
  const { plan, diagnostics } = planAcrossHosts(lab, spec);
  if (!plan) throw new TopologyError(diagnostics, text);
  const { placementToJson, placementToText } = await import('../../render/placement.js');
  io.out(opts.format === 'json' ? placementToJson(plan) : placementToText(plan, VERSION));
  return ExitCode.ok;
}
