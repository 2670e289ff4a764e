/**
 * `nslab` — the command line. Parses arguments, runs a command, maps every
 * outcome to an exit code CI can trust:
 *   0 ok · 1 a check failed · 2 bad input · 3 deploy failed · 4 environment
 */
import { Command, CommanderError, Option } from 'commander';
import { ExitCode, NslabError, TopologyError } from '../diagnostics.js';
import { graphCommand } from './commands/graph.js';
import { planCommand } from './commands/plan.js';
import { schemaCommand } from './commands/schema.js';
import { validateCommand } from './commands/validate.js';
import { processIo, VERSION, type Io } from './io.js';

const EXAMPLES = `
Examples:
  nslab validate topologies/quickstart.yaml     check a topology, all problems at once
  nslab plan topologies/quickstart.yaml         the shell script nslab would run
  nslab graph topologies/lan.yaml               a Mermaid diagram of the lab

Exit codes: 0 ok, 1 a check failed, 2 bad input, 3 deploy failed, 4 environment problem.
Docs: README.md; the file format: nslab schema, topologies/*.yaml.`;

export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('nslab')
    .description('Network-namespace test labs from YAML: plan, deploy, check, report, tear down.')
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EXAMPLES)
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .exitOverride();

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- commander passes untyped arguments
  const run = <A extends any[]>(fn: (...args: A) => Promise<number> | number) =>
    async (...args: A) => setExit(await fn(...args));

  program
    .command('validate')
    .description('Check topology files and report every problem with its file:line:col.')
    .argument('<files...>', 'topology files')
    .option('--json', 'machine-readable diagnostics')
    .addHelpText('after', '\nExits 0 when every file is valid, 2 otherwise. Nothing touches the kernel.')
    .action(run((files: string[], opts: { json?: boolean }) => validateCommand(io, files, opts)));

  program
    .command('plan')
    .description('Print the creation (or teardown) plan: every command, in order, with its source line.')
    .argument('<file>', 'topology file')
    .addOption(new Option('-f, --format <format>', 'sh: a bash script you could run as root; json: for machines').choices(['sh', 'json']).default('sh'))
    .option('--teardown', 'the teardown plan instead of the creation plan')
    .addHelpText('after', '\nThe plan is what `nslab up` executes (batched per namespace, in parallel). Review it, diff it, or run it by hand.')
    .action(run((file: string, opts: { format: 'sh' | 'json'; teardown?: boolean }) => planCommand(io, file, opts)));

  program
    .command('graph')
    .description('Draw the topology: nodes, bridges, links with interface names and addresses.')
    .argument('<file>', 'topology file')
    .addOption(new Option('-f, --format <format>', 'mermaid (renders on GitHub) or dot (Graphviz)').choices(['mermaid', 'dot']).default('mermaid'))
    .action(run((file: string, opts: { format: 'mermaid' | 'dot' }) => graphCommand(io, file, opts)));

  program
    .command('schema')
    .description('Print the JSON Schema of the topology format (for editors: yaml-language-server).')
    .action(run(() => schemaCommand(io)));

  return program;
}

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  let code: number = ExitCode.ok;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    return reportError(e, io);
  }
}

export function reportError(e: unknown, io: Io): number {
  if (e instanceof CommanderError) {
    // commander already printed help, version or the usage error
    return e.exitCode === 0 ? ExitCode.ok : ExitCode.badInput;
  }
  if (e instanceof TopologyError) {
    io.err(e.format() + '\n');
    return e.exitCode;
  }
  if (e instanceof NslabError) {
    io.err(`nslab: ${e.message}\n${e.hint ? `  hint: ${e.hint}\n` : ''}`);
    return e.exitCode;
  }
  io.err(`nslab: internal error: ${(e as Error)?.stack ?? String(e)}\nThis is a bug in nslab; please report it with the command you ran.\n`);
  return 70;
}
