import { ExitCode } from '../../diagnostics.js';
import { buildGraph } from '../../compile/graph.js';
import { toDot, toMermaid } from '../../render/diagram.js';
import { readLab } from './lab-name.js';
import type { Io } from '../io.js';

export async function graphCommand(io: Io, file: string, opts: { format: 'mermaid' | 'dot'; expand?: boolean }): Promise<number> {
  const lab = await readLab(io, file);
  const g = buildGraph(lab);
  io.out(opts.format === 'dot' ? toDot(g, lab.name, { expand: opts.expand }) : toMermaid(g, { expand: opts.expand }));
  return ExitCode.ok;
}
