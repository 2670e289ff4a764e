import { ExitCode } from '../../diagnostics.js';
import { topologyJsonSchema } from '../../topology/schema.js';
import type { Io } from '../io.js';

export function schemaCommand(io: Io): number {
  io.out(JSON.stringify(topologyJsonSchema(), null, 2) + '\n');
  return ExitCode.ok;
}
