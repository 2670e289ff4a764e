import { existsSync } from 'node:fs';
import { UsageError } from '../../diagnostics.js';
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
