/**
 * `nslab` — the command line. Parses arguments, runs a command, maps every
 * outcome to an exit code CI can trust:
 *   0 ok · 1 a check failed · 2 bad input · 3 deploy failed · 4 environment
 */
import { Command, CommanderError, Option } from 'commander';
import { ExitCode, NslabError, TopologyError } from '../diagnostics.js';
import { processIo, VERSION, type Io } from './io.js';

const EXAMPLES = `
Examples:
  nslab run topologies/lan.yaml --junit report.xml   CI: up, checks, down; JUnit for the CI server
  nslab validate topologies/quickstart.yaml     check a topology, all problems at once
  nslab plan topologies/quickstart.yaml         the shell script nslab would run
  nslab up topologies/lan.yaml                  build the lab (as root)
  nslab exec lan pc1 -- ping -c1 srv            run a command in a node (node names resolve)
  nslab logs fw srv/web -f                      follow a service's output
  nslab status                                  running labs
  nslab down lan                                remove the lab, leaving nothing behind
  nslab graph topologies/lan.yaml               a Mermaid diagram of the lab
  nslab run lab.yaml --hosts hosts.yaml         one lab over several machines, over ssh (docs/hosts.md)
  nslab impair lan rtr:eth1 --delay 50ms        impair a link of a running lab
  nslab plan lan.yaml --against lan             what changing the file would change in the running lab
  nslab apply lan.yaml                          change the running lab to match the file, live
  nslab bench topologies/mtu-sweep.yaml         sweep MTU × txqueuelen, measure, chart
  nslab doctor                                  what this host can do

Exit codes: 0 ok, 1 a check failed, 2 bad input, 3 deploy failed, 4 environment problem.
Docs: README.md; the file format: nslab schema, topologies/*.yaml.`;

// Commands are loaded when run: `nslab --version` should not pay for zod,
// yaml and graphology, and `up` should not pay for what only checks use.
const commands = {
  validate: () => import('./commands/validate.js'),
  plan: () => import('./commands/plan.js'),
  hosts: () => import('./commands/hosts.js'),
  part: () => import('./commands/part.js'),
  graph: () => import('./commands/graph.js'),
  schema: () => import('./commands/schema.js'),
  lifecycle: () => import('./commands/lifecycle.js'),
  checks: () => import('./commands/checks.js'),
  impair: () => import('./commands/impair.js'),
  doctor: () => import('./commands/doctor.js'),
  bench: () => import('./commands/bench.js'),
  software: () => import('./commands/software.js'),
  live: () => import('./commands/live.js'),
  apply: () => import('./commands/apply.js'),
};

export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('nslab')
    .description('Network-namespace test labs from YAML: plan, deploy, check, report, tear down.')
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .enablePositionalOptions()
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
    .option('--strict', 'warnings are errors (exit 2)')
    .addHelpText('after', '\nExits 0 when every file is valid (warnings are printed, with their file:line:col), 2 otherwise.\nNothing touches the kernel.')
    .action(run((files: string[], opts: { json?: boolean; strict?: boolean }) => commands.validate().then((m) => m.validateCommand(io, files, opts))));

  program
    .command('plan')
    .description('Print the creation (or teardown) plan: every command, in order, with its source line.')
    .argument('<file>', 'topology file')
    .addOption(new Option('-f, --format <format>', 'sh: a bash script you could run as root; json: for machines').choices(['sh', 'json']).default('sh'))
    .option('--teardown', 'the teardown plan instead of the creation plan')
    .option('--against <lab>', 'the change plan: what `nslab apply FILE` would do to this running lab (added, changed, removed, each with its line)')
    .option('--hosts <file>', 'spread the lab over the machines this hosts file names: where each node runs, the tunnels between hosts, and each host\'s plan')
    .option('--strict', 'warnings are errors (exit 2)')
    .addHelpText('after', '\nThe plan is what `nslab up` executes (batched per namespace, in parallel). Review it, diff it, or run it by hand.\nWith --against, it is what `nslab apply` would change in a running lab; nothing is changed.\nWith --hosts, the placement comes first (nodes per host, tunnels and their VNIs), then one plan per host.')
    .action(run((file: string, opts: { format: 'sh' | 'json'; teardown?: boolean; strict?: boolean; against?: string; hosts?: string }) =>
      opts.against !== undefined ? commands.apply().then((m) => m.planAgainstCommand(io, file, opts.against!, opts)) : commands.plan().then((m) => m.planCommand(io, file, opts))));

  program
    .command('graph')
    .description('Draw the topology: nodes, bridges, links with interface names and addresses.')
    .argument('<file>', 'topology file')
    .addOption(new Option('-f, --format <format>', 'mermaid (renders on GitHub) or dot (Graphviz)').choices(['mermaid', 'dot']).default('mermaid'))
    .option('--expand', 'draw every node and link of a range (by default a range is one box with its count)')
    .action(run((file: string, opts: { format: 'mermaid' | 'dot'; expand?: boolean }) => commands.graph().then((m) => m.graphCommand(io, file, opts))));

  const jobsOpt = () => new Option('-j, --jobs <n>', 'processes to run at once').default(undefined, '4');

  program
    .command('up')
    .description('Build a lab on this host: namespaces, bridges, veths, addresses, routes (needs root).')
    .argument('<file>', 'topology file')
    .option('-q, --quiet', 'print only the result')
    .option('--json', 'print the result as JSON')
    .option('--wait', 'return once every interface passes traffic (carrier and an active queue); exit 3 if that takes over 10 s, leaving the lab up to inspect')
    .option('--strict', 'warnings in the topology are errors (exit 2, nothing is built)')
    .option('--timings', 'say where the time went, phase by phase (reading the file, preflight, planning, kernel objects, services…)')
    .addOption(jobsOpt())
    .option('--hosts <file>', 'spread the lab over the machines this hosts file names, over ssh (see `nslab plan FILE --hosts`)')
    .addHelpText('after', '\nOn any failure everything created is rolled back and the failing command, the kernel\'s\nerror and the topology line are printed (exit 3). Ctrl-C rolls back too.\nWith --hosts, every host is checked first (reachable, root, same nslab: else exit 4), then builds its part;\na failure on one host rolls back every host.')
    .action(run((file: string, opts: { quiet?: boolean; json?: boolean; jobs?: string; wait?: boolean; strict?: boolean; timings?: boolean; hosts?: string }) =>
      opts.hosts !== undefined ? commands.hosts().then((m) => m.upOverHosts(io, file, opts.hosts!, opts)) : commands.lifecycle().then((m) => m.upCommand(io, file, opts))));

  program
    .command('apply')
    .description('Change a running lab to match a changed topology, live: only what differs is touched (needs root).')
    .argument('<file>', 'topology file (its `name:` is the running lab)')
    .option('-q, --quiet', 'print only the result')
    .option('--json', 'print the change as JSON')
    .option('--strict', 'warnings in the topology are errors (exit 2, nothing is changed)')
    .addHelpText('after', '\nNodes and links that did not change keep their namespaces and interfaces, so what runs in them\nkeeps running. See the change first: nslab plan FILE --against LAB. A failing change is\nrolled back to the lab as it was (exit 3); the state then records the new file.')
    .action(run((file: string, opts: { quiet?: boolean; json?: boolean; strict?: boolean }) => commands.apply().then((m) => m.applyCommand(io, file, opts))));

  program
    .command('connect')
    .description('Add an interface to a node of a running lab, on a bridge (like `docker network connect`).')
    .argument('<lab>', 'lab name')
    .argument('<node:ifname>', 'the new interface, e.g. pc3:eth1')
    .argument('<bridge>', 'the bridge it plugs into')
    .option('--ip <cidr>', 'its address (default: the next free one of the bridge\'s subnet)')
    .option('--json', 'print the change as JSON')
    .addHelpText('after', '\nThe lab\'s running topology gains the link, so status, --verify and down know it;\n`nslab apply FILE` later makes the lab match FILE again.')
    .action(run((lab: string, iface: string, bridge: string, opts: { ip?: string; json?: boolean }) => commands.apply().then((m) => m.connectCommand(io, lab, iface, bridge, opts))));

  program
    .command('disconnect')
    .description('Remove a node\'s interface (and its link) from a running lab.')
    .argument('<lab>', 'lab name')
    .argument('<node:ifname>', 'the interface, e.g. pc3:eth1')
    .option('--json', 'print the change as JSON')
    .action(run((lab: string, iface: string, opts: { json?: boolean }) => commands.apply().then((m) => m.connectCommand(io, lab, iface, undefined, opts))));

  program
    .command('down')
    .description('Remove a lab: its namespaces (and everything in them) and its tagged host objects.')
    .argument('<lab>', 'lab name, or the topology file it came from')
    .option('-q, --quiet', 'print only the result')
    .option('--json', 'print the result as JSON')
    .addOption(jobsOpt())
    .option('--hosts <file>', 'remove the lab from every machine of this hosts file (a host that cannot be reached is reported: exit 3, run it again)')
    .option('--timings', 'say where the time went, phase by phase (lock, state, processes, files, kernel objects)')
    .addHelpText('after', '\nWorks from the kernel alone when the state file is gone. Removing a lab that is not running is a no-op (exit 0).')
    .action(run((target: string, opts: { quiet?: boolean; json?: boolean; jobs?: string; hosts?: string; timings?: boolean }) =>
      opts.hosts !== undefined ? commands.hosts().then((m) => m.downOverHosts(io, target, opts.hosts!, opts)) : commands.lifecycle().then((m) => m.downCommand(io, target, opts))));

  // The host side of `--hosts`, run by the coordinator over ssh; not for people.
  const part = program.command('part', { hidden: true }).description('the host side of a lab over several hosts (run by `nslab up --hosts` over ssh)');
  part.command('hello').argument('[features...]').action(run((features: string[]) => commands.part().then((m) => m.helloCommand(io, features))));
  part.command('up').action(run(() => commands.part().then((m) => m.partUpCommand(io))));
  part.command('test').action(run(() => commands.part().then((m) => m.partTestCommand(io))));
  part.command('probe').argument('<address>').argument('<bytes>').action(run((address: string, bytes: string) => commands.part().then((m) => m.partProbeCommand(io, address, bytes))));

  program
    .command('status')
    .description('Running labs, or one lab\'s nodes, namespaces and addresses.')
    .argument('[lab]', 'lab name')
    .option('--json', 'machine-readable')
    .option('--verify', 'read the lab back from the kernel and compare it with its topology file (exit 1 if it differs)')
    .option('--hosts <file>', 'the lab runs over these machines: what of it each host holds (exit 3 if a host cannot be reached)')
    .action(run((lab: string | undefined, opts: { json?: boolean; verify?: boolean; hosts?: string }) =>
      opts.hosts !== undefined ? commands.hosts().then((m) => m.statusOverHosts(io, lab, opts.hosts!, opts)) : commands.lifecycle().then((m) => m.statusCommand(io, lab, opts))));

  program
    .command('exec')
    .description('Run a command inside a node of a running lab, or (with no command) a shell.')
    .argument('<lab>', 'lab name')
    .argument('<node>', 'node name')
    .argument('[command...]', 'the command, after --; none: an interactive shell whose prompt names the lab and node')
    .usage('<lab> <node> [-- <command...>]')
    .passThroughOptions()
    .addHelpText('after', '\nExamples:\n  nslab exec lan pc1 -- ping -c3 srv     node names resolve inside the lab\n  nslab exec lan pc1                     a shell in pc1: [lan:pc1] #\nThe exit code is the command\'s own. NSLAB_LAB, NSLAB_NODE and NSLAB_DIR (a scratch folder) are set.')
    .action(run((lab: string, node: string, cmd: string[]) => commands.lifecycle().then((m) => m.execCommand(io, lab, node, cmd))));

  program
    .command('link')
    .description('Take an interface of a running lab down (its peer loses carrier), or up with everything the topology gives it.')
    .argument('<lab>', 'lab name')
    .argument('<interface>', 'NODE:IF, e.g. r1:eth1 (a bridge port: BRIDGE:PORT)')
    .argument('<action>', 'down or up')
    .option('--json', 'machine-readable')
    .addHelpText('after', '\n`up` puts back the state, the addresses (IPv6 ones are flushed on down), the node\'s routes through it\n(the kernel deletes them on down) and its impairment, and reads the interface back.\nExample: nslab link failover r1:wan1 down')
    .action(run((lab: string, target: string, action: string, opts: { json?: boolean }) => commands.live().then((m) => m.linkCommand(io, lab, target, action, opts))));

  program
    .command('logs')
    .description('The output of a service of a running lab (stdout and stderr together).')
    .argument('<lab>', 'lab name')
    .argument('<service>', 'NODE/SERVICE, e.g. srv/web')
    .option('-f, --follow', 'keep printing what it writes, until Ctrl-C')
    .action(run((lab: string, id: string, opts: { follow?: boolean }) => commands.software().then((m) => m.logsCommand(io, lab, id, opts))));

  program
    .command('service')
    .description('Start, stop or restart a service of a running lab (restart waits until it is ready again).')
    .argument('<lab>', 'lab name')
    .argument('<service>', 'NODE/SERVICE, e.g. srv/web')
    .argument('<action>', 'start, stop or restart')
    .addHelpText('after', '\nA service stopped this way is not reported as dead by `status` or by check runs.\nExample: nslab service fw srv/web restart')
    .action(run((lab: string, id: string, action: string) => commands.software().then((m) => m.serviceCommand(io, lab, id, action))));

  const collect = (v: string, prev: string[] = []) => [...prev, v];
  const reportOpts = (c: Command) =>
    c
      .option('--junit <file>', 'write JUnit XML (deploy and teardown are test cases too)')
      .option('--json <file>', 'write the results as JSON (- for stdout)')
      .option('--only <pattern>', 'run only the checks this names: an exact name or a regular expression; !pattern excludes (repeatable)', collect)
      .option('--scenario <name>', 'run only this scenario (repeatable; with no --only, no checks run)', collect)
      .option('--artifacts <dir>', 'where checks keep files (capture files), in <dir>/<lab>/', 'nslab-artifacts')
      .option('--tap', 'TAP 14 on stdout even on a terminal (the default when stdout is not one)')
      .option('-q, --quiet', 'print only failures and the summary')
      .option('--strict', 'warnings in the topology are errors (exit 2)');

  reportOpts(
    program
      .command('run')
      .description('The CI entry point: build the lab, run its checks and scenarios, tear it down whatever happens.')
      .argument('<files...>', 'topology files (several: one testsuite each, -j at a time)'),
  )
    .option('-j, --jobs <n>', 'labs at once, with several files (default 2)')
    .option('--shard <k/n>', 'run the k-th of n stable shares of the files (a CI matrix)')
    .option('--keep-on-fail', 'when a check fails, leave the lab up to look into (and say how to get in and remove it)')
    .option('--hosts <file>', 'build the lab over the machines this hosts file names (docs/hosts.md), run its checks on their nodes\' hosts, remove it from every host')
    .addHelpText('after', `
Exit codes: 0 all checks passed, 1 a check failed, 2 bad input, 3 deploy or teardown failed,
4 environment (not root, a tool missing), 130/143 interrupted (the lab is torn down first).
With several files: the worst of their codes. Labs run together must have different names.
Examples:
  nslab run topologies/lan.yaml --junit report.xml
  nslab run topologies/*.yaml -j 4 --shard 2/3 --junit report.xml
  nslab run topologies/failover.yaml --scenario failover --keep-on-fail`)
    .action(run((files: string[], opts: Record<string, never>) => commands.checks().then((m) => m.runCommand(io, files, opts))));

  reportOpts(
    program
      .command('test')
      .description('Run the checks and scenarios of a lab that is up.')
      .argument('<lab>', 'lab name, or its topology file'),
  )
    .option('--hosts <file>', 'the lab runs over these machines (give its topology file): each check runs on the host of its node, the results merge into one report')
    .action(run((target: string, opts: Record<string, never>) => commands.checks().then((m) => m.testCommand(io, target, opts))));

  program
    .command('impair')
    .description('Change, clear or show the netem impairment of a running lab\'s interface.')
    .argument('<lab>', 'lab name, or its topology file')
    .argument('[node:if]', 'the interface, e.g. r1:eth0 (a bridge port works too)')
    .option('--delay <time>', 'added delay, e.g. 50ms')
    .option('--jitter <time>', 'delay variation (reorders packets unless --keep-order)')
    .option('--correlation <pct>', 'jitter correlation')
    .addOption(new Option('--distribution <name>', 'jitter distribution').choices(['uniform', 'normal', 'pareto', 'paretonormal']))
    .option('--keep-order', 'with jitter: deliver packets in the order they were sent')
    .option('--loss <pct>', 'random loss, e.g. 1%')
    .option('--loss-burst <p,r[,bad,good]>', 'bursty loss (Gilbert-Elliott), e.g. 1%,30%')
    .option('--duplicate <pct>', 'duplicate packets')
    .option('--corrupt <pct>', 'corrupt packets')
    .option('--reorder <pct>', 'send packets out of order (needs --delay)')
    .option('--gap <n>', 'reorder every nth packet')
    .option('--rate <rate>', 'netem link rate, e.g. 10mbit')
    .option('--limit <packets>', 'netem queue (default: sized for delay × rate)')
    .option('--shape <rate>', 'token-bucket shaping (tbf) under netem, e.g. 10mbit')
    .option('--clear', 'remove the impairment')
    .option('--show', 'read the impairments back from the kernel (the default without an interface)')
    .option('--json', 'machine-readable')
    .addHelpText(
      'after',
      `
The new settings replace the old ones on that interface (netem acts on egress:
impair both ends of a link for a symmetric effect). The kernel is read back
after every change. Examples:
  nslab impair wan r1:wan0 --delay 50ms --jitter 5ms --loss 1%
  nslab impair wan r1:wan0 --rate 10mbit
  nslab impair wan r1:wan0 --clear
  nslab impair wan --show`,
    )
    .action(run((lab: string, target: string | undefined, opts: Record<string, never>) => commands.impair().then((m) => m.impairCommand(io, lab, target, opts))));

  program
    .command('bench')
    .description('Sweep MTU, txqueuelen, queueing or iperf3 settings live on one lab and measure each combination.')
    .argument('<lab>', 'topology file with a `bench:` section (built and removed), or the name of a lab that is up')
    .option('-o, --out <dir>', 'where results.csv, results.json, chart.svg and chart.png go (default nslab-bench-LAB)')
    .option('--repeat <n>', 'measurements per combination (overrides the file)')
    .option('--seconds <s>', 'seconds per measurement (overrides the file)')
    .option('--sweep <name=v1,v2>', 'sweep these values instead (repeatable): mtu, txqueuelen, streams, length, delay, loss, rate, shape', collect)
    .option('--no-png', 'skip the PNG chart')
    .option('--json', 'print the results as JSON')
    .option('-q, --quiet', 'print only the summary')
    .option('--strict', 'warnings in the topology are errors (exit 2)')
    .option('--latency-budget <time>', 'the verdict picks, per knob, the best throughput whose p99 RTT under load stays within this, e.g. 20ms')
    .addHelpText(
      'after',
      `
Every combination is applied live (no redeploy), read back from the kernel,
then measured with iperf3 (and a ping every 50 ms: RTT under load as
p50/p90/p99/max, next to the idle RTT). Interface settings go on every
interface of the path between the two nodes unless the file's \`on:\` says
otherwise. The original settings are restored and read back at the end,
also after a failure or Ctrl-C. Progress goes to stderr; stdout gets the
table and a verdict per knob, which calls a difference real only when it
holds in every repeat. Example:
  nslab bench topologies/mtu-sweep.yaml --repeat 3 --sweep txqueuelen=100,1000 --latency-budget 20ms`,
    )
    .action(run((lab: string, opts: Record<string, never>) => commands.bench().then((m) => m.benchCommand(io, lab, opts))));

  program
    .command('doctor')
    .description('What this host can do: root, tools and versions, kernel features probed for real.')
    .option('--json', 'machine-readable')
    .option('--fix', 'install the missing tools with apt-get (it says which, and what for, first)')
    .addHelpText('after', '\nExits 0 when labs can be deployed here (optional features may be missing), 4 otherwise.\nFor each missing item it says what to install or load. On a fresh Debian machine:\n  nslab doctor --fix && nslab run topologies/lan.yaml')
    .action(run((opts: { json?: boolean; fix?: boolean }) => commands.doctor().then((m) => m.doctorCommand(io, opts))));

  program
    .command('schema')
    .description('Print the JSON Schema of the topology format (for editors: yaml-language-server), of the hosts file, or of a command\'s JSON output.')
    .addOption(new Option('--output <name>', 'the schema of an output instead (also checked in under schema/)').choices(['report', 'validate', 'plan', 'placement', 'multihost', 'up', 'down', 'status', 'verify', 'doctor', 'impair', 'link', 'change']))
    .option('--hosts', 'the schema of the hosts file (`--hosts FILE` of plan) instead')
    .action(run((opts: { output?: 'report'; hosts?: boolean }) => commands.schema().then((m) => m.schemaCommand(io, opts))));

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
  return ExitCode.internal;
}
