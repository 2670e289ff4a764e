import { ExitCode } from '../../diagnostics.js';
import { outputJsonSchema, type OutputName } from '../../report/schemas.js';
import { hostsJsonSchema } from '../../multihost/hosts-file.js';
import { topologyJsonSchema } from '../../topology/schema.js';
import type { Io } from '../io.js';

/** The topology's JSON Schema, the hosts file's (`--hosts`), or (with `--output NAME`) that of a command's JSON output. */
export function schemaCommand(io: Io, opts: { output?: OutputName; hosts?: boolean } = {}): number {
  const schema = opts.output ? outputJsonSchema(opts.output) : opts.hosts ? hostsJsonSchema() : topologyJsonSchema();
  io.out(JSON.stringify(schema, null, 2) + '\n');
  return ExitCode.ok;
}
