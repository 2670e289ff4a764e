import { ExitCode } from '../../diagnostics.js';
import { creationPlan } from '../../compile/create.js';
import { footprintOf, teardownPlan } from '../../compile/teardown.js';
import { planToJson } from '../../render/plan-json.js';
import { planToShell } from '../../render/plan-sh.js';
import { readLab } from './lab-name.js';
import { VERSION, type Io } from '../io.js';

export async function planCommand(io: Io, file: string, opts: { format: 'sh' | 'json'; teardown?: boolean; strict?: boolean }): Promise<number> {
  const lab = await readLab(io, file, { strict: opts.strict });
  const plan = opts.teardown ? teardownPlan(footprintOf(lab), lab.file) : creationPlan(lab);
  io.out(opts.format === 'json' ? planToJson(plan) : planToShell(plan, VERSION));
  return ExitCode.ok;
}
