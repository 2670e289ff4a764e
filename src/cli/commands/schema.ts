import { ExitCode } from '../../diagnostics.js';
import { outputJsonSchema, type OutputName } from '../../report/schemas.js';
import { topologyJsonSchema } from '../../topology/schema.js';
import type { Io } from '../io.js';

/** The topology's JSON Schema, or (with `--output NAME`) that of a command's JSON output. */
export function schemaCommand(io: Io, opts: { output?: OutputName } = {}): number {
  io.out(JSON.stringify(opts.output ? outputJsonSchema(opts.output) : topologyJsonSchema(), null, 2) + '\n');
  return ExitCode.ok;
}
