import { existsSync } from 'node:fs';
import { UsageError } from '../../diagnostics.js';
import type { Lab } from '../../topology/model.js';
import { labNameProblem } from '../../topology/names.js';

/** Commands on a running lab take its name, or the topology file to read the name from. */
export async function resolveLabName(target: string): Promise<string> {
  if (/\.ya?ml$/.test(target) || existsSync(target)) {
    const { readTopology } = await import('../../topology/load.js');
    return (await readTopology(target)).name;
  }
  const problem = labNameProblem(target);
  if (problem) throw new UsageError(problem, 'give a lab name (see `nslab status`) or a topology file');
  return target;
}

/** A lab from a topology file, or from the file a running lab was built from. */
export async function labFromTarget(target: string): Promise<Lab> {
  const { readTopology } = await import('../../topology/load.js');
  if (/\.ya?ml$/.test(target) || existsSync(target)) return readTopology(target);
  const { readState } = await import('../../exec/state.js');
  const state = readState(target);
  if (!state) throw new UsageError(`lab ${target} is not up`, 'bring it up with `nslab up FILE`; running labs: `nslab status`');
  if (!state.file || !existsSync(state.file)) throw new UsageError(`lab ${target} was built from ${state.file ?? 'an unknown file'}, which is gone`, 'pass the topology file instead of the lab name');
  return readTopology(state.file);
}
