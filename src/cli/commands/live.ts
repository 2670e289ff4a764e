/**
 * `nslab link LAB NODE:IF down|up`: a link event on a running lab. `up`
 * puts back everything the topology gives the interface (state, addresses,
 * the node's routes through it, its impairment), read back from the kernel.
 */
import { ExitCode, UsageError } from '../../diagnostics.js';
import type { Io } from '../io.js';
import { jsonOut } from '../json.js';
import { checkLabName, labFromTarget } from './lab-name.js';

export async function linkCommand(io: Io, labName: string, target: string, action: string, opts: { json?: boolean }): Promise<number> {
  if (action !== 'down' && action !== 'up') throw new UsageError(`unknown action ${action}`, 'down or up, e.g. nslab link lab r1:eth1 down');
  const [{ requireRoot }, { setLink }, { SpawnRunner }] = await Promise.all([import('../../exec/preflight.js'), import('../../live/link.js'), import('../../exec/runner.js')]);
  requireRoot(`nslab link ${action}`, 'it changes interfaces inside the lab\'s namespaces');
  const lab = await labFromTarget(io, checkLabName(labName));
  const r = await setLink(lab, target, action, new SpawnRunner());
  if (opts.json) jsonOut(io, 'link', { lab: lab.name, interface: target, action, state: r.state, commands: r.commands });
  else io.out(`${target} is ${action} (the kernel says ${r.state})\n`);
  return ExitCode.ok;
}
