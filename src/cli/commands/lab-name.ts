import { existsSync } from 'node:fs';
import { formatDiagnostics, UsageError } from '../../diagnostics.js';
import type { Lab } from '../../topology/model.js';
import type { LoadOptions } from '../../topology/load.js';
import { labNameProblem } from '../../topology/names.js';
import type { Io } from '../io.js';

const looksLikeFile = (target: string) => /\.ya?ml$/.test(target) || target.includes('/') || existsSync(target);

/** A lab name given on the command line: refused unless it is one (it names a state file). */
export function checkLabName(name: string): string {
  const problem = labNameProblem(name);
  if (problem) throw new UsageError(problem, 'give a lab name (see `nslab status`) or a topology file');
  return name;
}

/** Commands on a running lab take its name, or the topology file to read the name from. */
export async function resolveLabName(target: string): Promise<string> {
  if (looksLikeFile(target)) {
    const { readTopology } = await import('../../topology/load.js');
    return (await readTopology(target)).name;
  }
  return checkLabName(target);
}

/** Read a topology for a command; its warnings go to stderr (with `--strict` they are errors). */
export async function readLab(io: Io, file: string, opts: LoadOptions = {}): Promise<Lab> {
  const { readTopology } = await import('../../topology/load.js');
  const lab = await readTopology(file, opts);
  printWarnings(io, lab);
  return lab;
}

export function printWarnings(io: Io, lab: Lab, text?: string): void {
  if (lab.warnings?.length) io.err(`${formatDiagnostics(lab.warnings, text)}\n\n`);
}

/** A lab from a topology file, or from the file a running lab was built from. */
export async function labFromTarget(io: Io, target: string, opts: LoadOptions = {}): Promise<Lab> {
  if (looksLikeFile(target)) return readLab(io, target, opts);
  const { readState } = await import('../../exec/state.js');
  const state = readState(checkLabName(target));
  if (!state) throw new UsageError(`lab ${target} is not up`, 'bring it up with `nslab up FILE`; running labs: `nslab status`');
  if (!state.file || !existsSync(state.file)) throw new UsageError(`lab ${target} was built from ${state.file ?? 'an unknown file'}, which is gone`, 'pass the topology file instead of the lab name');
  return readLab(io, state.file, opts);
}
