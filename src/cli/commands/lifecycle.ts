import { readFile } from 'node:fs/promises';
import { ExitCode, UsageError } from '../../diagnostics.js';
import type { Lab } from '../../topology/model.js';
import { DeployError } from '../../exec/errors.js';
import { stopwatch, type Timings } from '../../exec/timings.js';
import type { Io } from '../io.js';
import { jsonOut } from '../json.js';
import { createProgress, plural, progressMode } from '../progress.js';
import { checkLabName, labFromTarget, readLab, resolveLabName } from './lab-name.js';

interface RunOpts {
  quiet?: boolean;
  json?: boolean;
  jobs?: string;
  strict?: boolean;
}

function jobs(opts: RunOpts): number | undefined {
  if (opts.jobs === undefined) return undefined;
  const n = Number(opts.jobs);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new UsageError(`--jobs must be a whole number from 1 to 64, got ${opts.jobs}`);
  return n;
}

async function waitUntilReady(lab: Lab): Promise<{ ms: number; ready: boolean }> {
  const [{ waitReady }, { SpawnRunner }, { loadInProcess }] = await Promise.all([import('../../exec/ready.js'), import('../../exec/runner.js'), import('../../netlink/native.js')]);
  return waitReady(lab, new SpawnRunner(), { inProcess: loadInProcess() });
}

/** Ctrl-C / SIGTERM (or `also`: a coordinator gone) stop scheduling; the lifecycle then rolls back. */
function interruptible(also?: AbortSignal): { signal: AbortSignal; dispose(): void } {
  const ac = new AbortController();
  const onSignal = () => ac.abort();
  also?.addEventListener('abort', onSignal, { once: true });
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    signal: ac.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

export function describeLab(lab: Lab): string {
  const bridges = lab.nodes.filter((n) => n.kind === 'bridge').length;
  return `${plural(lab.nodes.length - bridges, 'namespace')}${bridges ? `, ${plural(bridges, 'bridge')}` : ''}, ${plural(lab.links.length, 'link')}`;
}

/** `--timings`: where the time went, one phase a line, in the order they ran. */
function formatTimings(timings: Timings, since = 'from reading the file'): string {
  const total = timings.reduce((a, t) => a + t.ms, 0);
  const width = Math.max(...timings.map((t) => t.phase.length));
  const lines = timings.map((t) => `  ${t.phase.replaceAll('_', ' ').padEnd(width)}  ${t.ms.toFixed(0).padStart(6)} ms  ${((100 * t.ms) / (total || 1)).toFixed(0).padStart(3)} %`);
  return `timings (total ${total.toFixed(0)} ms, ${since}):\n${lines.join('\n')}\n`;
}

/** `--timings --json`: whole milliseconds per phase, in the order they ran. */
const timingsJson = (timings: Timings) => Object.fromEntries(timings.map((t) => [t.phase, Math.round(t.ms)]));

export async function upCommand(io: Io, file: string, opts: RunOpts & { wait?: boolean; timings?: boolean }): Promise<number> {
  const clock = stopwatch();
  const lab = await readLab(io, file, { strict: opts.strict });
  clock.lap('load');
  return upLab(io, lab, file, opts, clock);
}

/** Build a lab already read (a whole topology, or one host's part of one spread over hosts). */
export async function upLab(io: Io, lab: Lab, file: string, opts: RunOpts & { wait?: boolean; timings?: boolean; signal?: AbortSignal }, clock = stopwatch()): Promise<number> {
  const { up } = await import('../../exec/up.js');
  const progress = createProgress(io, progressMode(io, opts.quiet || opts.json), `up ${lab.name}`);
  const irq = interruptible(opts.signal);
  try {
    progress.begin(`building ${describeLab(lab)}…`);
    const r = await up(lab, { concurrency: jobs(opts), signal: irq.signal, onProgress: (e) => progress.onProgress(e), ifUp: 'ok', stopwatch: clock });
    progress.end();
    const ready = opts.wait ? await waitUntilReady(lab) : undefined;
    if (opts.json) {
      jsonOut(io, 'up', {
        lab: lab.name, ok: true, already_up: Boolean(r.alreadyUp), duration_ms: Math.round(r.ms), steps: r.plan.steps.length, processes: r.outcome.processes, in_process: r.outcome.inProcess ?? 0,
        namespaces: lab.nodes.length, links: lab.links.length, ...(ready ? { ready: ready.ready, ready_ms: Math.round(ready.ms) } : {}),
        ...(opts.timings ? { timings_ms: timingsJson(r.timings) } : {}),
      });
    } else if (r.alreadyUp) {
      io.out(`lab ${lab.name} is already up from this file, unchanged: nothing to do\n`);
    } else {
      io.out(`lab ${lab.name} is up: ${describeLab(lab)}, ${r.plan.steps.length} steps in ${plural(r.outcome.processes, 'process', 'processes')}${r.outcome.inProcess ? ` and ${plural(r.outcome.inProcess, 'namespace', 'namespaces')} in process` : ''}, ${(r.ms / 1000).toFixed(2)} s\n`);
    }
    if (ready && !opts.json) io.out(ready.ready ? `  traffic flows: every interface has carrier and a queue (${Math.round(ready.ms)} ms after up)\n` : `  some interfaces still had no carrier or queue after ${Math.round(ready.ms)} ms; the lab stays up: nslab status ${lab.name} --verify, then nslab down ${lab.name}\n`);
    if (opts.timings && !opts.json) io.out(formatTimings(r.timings));
    if (!opts.quiet && !opts.json) io.out(`  try: nslab exec ${lab.name} ${lab.nodes.find((n) => n.kind === 'netns')?.name ?? 'NODE'} -- ip -br addr\n  then: nslab down ${lab.name}\n`);
    return ready && !ready.ready ? ExitCode.deployFailed : ExitCode.ok;
  } catch (e) {
    progress.end();
    if (e instanceof DeployError) {
      const text = await readFile(file, 'utf8').catch(() => undefined);
      io.err(e.format(text) + '\n');
      return e.exitCode;
    }
    throw e;
  } finally {
    irq.dispose();
  }
}

export async function downCommand(io: Io, target: string, opts: RunOpts & { timings?: boolean }): Promise<number> {
  const name = await resolveLabName(target);
  const { down } = await import('../../exec/down.js');
  const progress = createProgress(io, progressMode(io, opts.quiet || opts.json), `down ${name}`);
  const r = await down(name, { concurrency: jobs(opts), onProgress: (e) => progress.onProgress(e) });
  progress.end();
  if (opts.json) {
    jsonOut(io, 'down', {
      lab: name, ok: true, was_running: r.wasRunning, source: r.source, duration_ms: Math.round(r.ms), namespaces: r.removed.namespaces.length,
      host_links: r.removed.hostLinks.length, nat_rules: r.removed.natRules.length, processes_stopped: r.processesStopped, ...(r.damagedState ? { damaged_state: r.damagedState } : {}),
      ...(opts.timings ? { timings_ms: timingsJson(r.timings) } : {}),
    });
    return ExitCode.ok;
  }
  if (r.damagedState) io.err(`nslab: the state file of lab ${name} was damaged (${r.damagedState}); the lab was found from the kernel's tags instead, and the file removed\n`);
  const procs = r.processesStopped ? `, after stopping ${plural(r.processesStopped, 'process', 'processes')} still running in it` : '';
  if (!r.wasRunning) io.out(`lab ${name} is not running; nothing to remove${procs}\n`);
  else {
    const host = r.removed.hostLinks.length + r.removed.natRules.length;
    io.out(`lab ${name} is down: removed ${plural(r.removed.namespaces.length, 'namespace')}${host ? ` and ${plural(host, 'host object')}` : ''}${r.source === 'kernel' ? ' (found from the kernel: no usable state file)' : ''}${procs} in ${(r.ms / 1000).toFixed(2)} s\n`);
  }
  if (opts.timings) io.out(formatTimings(r.timings, 'from taking the lab\'s lock'));
  return ExitCode.ok;
}

export async function statusCommand(io: Io, lab: string | undefined, opts: RunOpts & { verify?: boolean }): Promise<number> {
  // A name, never a path: it names a state file (`status ../../x` must not read outside the state folder).
  if (lab !== undefined) checkLabName(lab);
  if (opts.verify) return verifyCommand(io, lab, opts);
  const [{ status }, { SpawnRunner }, { loadInProcess }] = await Promise.all([import('../../exec/status.js'), import('../../exec/runner.js'), import('../../netlink/native.js')]);
  const root = process.getuid?.() === 0;
  // As root, labs without a usable state file are found from the kernel's tags too.
  const report = await status(lab, root ? { runner: new SpawnRunner(), inProcess: loadInProcess() } : {});
  const found = report.labs.length + report.stateless.length;
  if (opts.json) {
    jsonOut(io, 'status', { ...(lab ? { lab } : {}), labs: report.labs, stateless: report.stateless, damaged: report.damaged, kernel_searched: root });
    return lab && found === 0 ? ExitCode.badInput : ExitCode.ok;
  }
  for (const d of report.damaged) io.err(`nslab: state file ${d.path} is damaged (${d.reason}); nothing of lab ${d.lab} is left in the kernel: \`nslab down ${d.lab}\` removes the file\n`);
  if (found === 0) {
    io.out(lab ? `lab ${lab} is not running\n` : 'no labs are running\n');
    if (!root) io.out('  (as root, nslab also looks for labs that have no state file)\n');
    return lab ? ExitCode.badInput : ExitCode.ok;
  }
  if (!lab) {
    io.out(`${'LAB'.padEnd(14)}${'HEALTH'.padEnd(10)}${'NAMESPACES'.padEnd(12)}${'SINCE'.padEnd(26)}FILE\n`);
    for (const s of report.labs) io.out(`${s.lab.padEnd(14)}${s.health.padEnd(10)}${`${s.namespaces.present}/${s.namespaces.expected}`.padEnd(12)}${s.since.padEnd(26)}${s.file ?? ''}${s.edited ? ' (changed by connect/disconnect)' : ''}\n`);
    for (const s of report.stateless) io.out(`${s.lab.padEnd(14)}${'no state'.padEnd(10)}${String(s.namespaces.length).padEnd(12)}${'?'.padEnd(26)}${s.damaged ? `(state file damaged: ${s.damaged})` : '(found from the kernel)'}\n`);
    if (report.stateless.length) io.out(`\nLabs marked "no state" were found from the kernel's tags; \`nslab down LAB\` removes them.\n`);
    return ExitCode.ok;
  }
  for (const s of report.labs) {
    io.out(`lab ${s.lab}: ${s.health} (${s.namespaces.present}/${s.namespaces.expected} namespaces) since ${s.since}${s.file ? ` from ${s.file}` : ''}${s.edited ? ', changed since by connect/disconnect' : ''}\n`);
    for (const n of s.nodes) io.out(`  ${n.present ? '✓' : '✗'} ${n.name.padEnd(16)} ${n.kind.padEnd(7)} ${n.ns.padEnd(24)} ${n.addresses.join(' ')}\n`);
    if (s.services.length) io.out('services:\n');
    for (const v of s.services) io.out(`  ${v.running ? '✓' : v.stopped ? '-' : '✗'} ${v.id.padEnd(24)} ${v.running ? `running, pid ${v.pid}` : v.stopped ? `stopped (${v.ended})` : `DIED (${v.ended}); its output: nslab logs ${s.lab} ${v.id}`}\n`);
  }
  for (const s of report.stateless) {
    io.out(`lab ${s.lab}: ${plural(s.namespaces.length, 'namespace')} in the kernel, ${s.damaged ? `but its state file is damaged (${s.damaged})` : 'but no state file'}\n`);
    for (const ns of s.namespaces.slice(0, 20)) io.out(`  ${ns}\n`);
    if (s.namespaces.length > 20) io.out(`  … and ${s.namespaces.length - 20} more\n`);
    io.out(`  remove it with: nslab down ${s.lab}\n`);
  }
  return ExitCode.ok;
}

/**
 * What a running lab should be: the topology it runs (its state keeps the
 * text, with any `apply`, `connect` or `disconnect`), or for a lab brought up
 * by an older nslab, its file.
 */
async function runningOrFile(io: Io, target: string): Promise<Lab> {
  const [{ readState }, { runningTopology }] = await Promise.all([import('../../exec/state.js'), import('../../apply/apply.js')]);
  const state = readState(checkLabName(target));
  if (state?.topology) return runningTopology(state);
  return labFromTarget(io, target);
}

/** `status LAB --verify`: read the lab back from the kernel and compare it with its topology file. */
async function verifyCommand(io: Io, lab: string | undefined, opts: RunOpts): Promise<number> {
  if (!lab) throw new UsageError('--verify needs a lab name', 'e.g. nslab status lan --verify');
  const [{ requireRoot }, { verifyRunning }, { SpawnRunner }] = await Promise.all([
    import('../../exec/preflight.js'),
    import('../../exec/verify.js'),
    import('../../exec/runner.js'),
  ]);
  requireRoot('nslab status --verify', 'it reads the lab back from inside its namespaces');
  const topology = await runningOrFile(io, lab);
  if (topology.name !== lab) throw new UsageError(`lab ${lab} was built from ${topology.file}, which now names the lab ${topology.name}`, 'the file changed since `up`; compare by hand or rebuild the lab');
  const problems = await verifyRunning(topology, new SpawnRunner());
  if (opts.json) jsonOut(io, 'verify', { lab, file: topology.file, ok: problems.length === 0, problems });
  else if (problems.length === 0) io.out(`lab ${lab} matches ${topology.file}: ${topology.nodes.length} namespaces and ${topology.links.length} links read back from the kernel\n`);
  else io.out(`lab ${lab} differs from ${topology.file} in ${problems.length} place${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  ${p}\n`).join('')}`);
  return problems.length === 0 ? ExitCode.ok : ExitCode.checkFailed;
}

export async function execCommand(_io: Io, lab: string, node: string, cmd: string[]): Promise<number> {
  const { execInNode } = await import('../../exec/exec-node.js');
  return execInNode(checkLabName(lab), node, cmd[0] === '--' ? cmd.slice(1) : cmd);
}
