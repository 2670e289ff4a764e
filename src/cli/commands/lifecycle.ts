import { readFile } from 'node:fs/promises';
import { ExitCode, UsageError } from '../../diagnostics.js';
import type { Lab } from '../../topology/model.js';
import { DeployError } from '../../exec/errors.js';
import type { Io } from '../io.js';
import { createProgress, progressMode } from '../progress.js';
import { labFromTarget, readLab, resolveLabName } from './lab-name.js';

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
  const [{ waitReady }, { SpawnRunner }] = await Promise.all([import('../../exec/ready.js'), import('../../exec/runner.js')]);
  return waitReady(lab, new SpawnRunner());
}

/** Ctrl-C / SIGTERM stop scheduling; the lifecycle then rolls back. */
function interruptible(): { signal: AbortSignal; dispose(): void } {
  const ac = new AbortController();
  const onSignal = () => ac.abort();
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

export async function upCommand(io: Io, file: string, opts: RunOpts & { wait?: boolean }): Promise<number> {
  const { up } = await import('../../exec/up.js');
  const lab = await readLab(io, file, { strict: opts.strict });
  const progress = createProgress(io, progressMode(io, opts.quiet || opts.json), `up ${lab.name}`);
  const irq = interruptible();
  try {
    const r = await up(lab, { concurrency: jobs(opts), signal: irq.signal, onProgress: (e) => progress.onProgress(e) });
    progress.end();
    const ns = lab.nodes.length;
    const ready = opts.wait ? await waitUntilReady(lab) : undefined;
    if (opts.json) {
      io.out(JSON.stringify({ lab: lab.name, ok: true, ms: Math.round(r.ms), steps: r.plan.steps.length, processes: r.outcome.processes, namespaces: ns, links: lab.links.length, ...(ready ? { readyMs: Math.round(ready.ms), ready: ready.ready } : {}) }) + '\n');
    } else {
      io.out(`lab ${lab.name} is up: ${ns} namespaces, ${lab.links.length} links, ${r.plan.steps.length} steps in ${r.outcome.processes} processes, ${(r.ms / 1000).toFixed(2)} s\n`);
      if (ready) io.out(ready.ready ? `  traffic flows: every interface has carrier and a queue (${Math.round(ready.ms)} ms after up)\n` : `  some interfaces still had no carrier or queue after ${Math.round(ready.ms)} ms; the lab stays up: nslab status ${lab.name} --verify, then nslab down ${lab.name}\n`);
      if (!opts.quiet) io.out(`  try: nslab exec ${lab.name} ${lab.nodes.find((n) => n.kind === 'netns')?.name ?? 'NODE'} -- ip -br addr\n  then: nslab down ${lab.name}\n`);
    }
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

export async function downCommand(io: Io, target: string, opts: RunOpts): Promise<number> {
  const name = await resolveLabName(target);
  const { down } = await import('../../exec/down.js');
  const progress = createProgress(io, progressMode(io, opts.quiet || opts.json), `down ${name}`);
  const r = await down(name, { concurrency: jobs(opts), onProgress: (e) => progress.onProgress(e) });
  progress.end();
  const summary = { lab: name, ok: true, wasRunning: r.wasRunning, source: r.source, ms: Math.round(r.ms), namespaces: r.removed.namespaces.length, hostLinks: r.removed.hostLinks.length, natRules: r.removed.natRules.length };
  if (opts.json) io.out(JSON.stringify(summary) + '\n');
  else if (!r.wasRunning) io.out(`lab ${name} is not running; nothing to remove\n`);
  else {
    const host = r.removed.hostLinks.length + r.removed.natRules.length;
    io.out(`lab ${name} is down: removed ${r.removed.namespaces.length} namespaces${host ? ` and ${host} host objects` : ''}${r.source === 'kernel' ? ' (found from the kernel: no state file)' : ''} in ${(r.ms / 1000).toFixed(2)} s\n`);
  }
  return ExitCode.ok;
}

export async function statusCommand(io: Io, lab: string | undefined, opts: RunOpts & { verify?: boolean }): Promise<number> {
  if (opts.verify) return verifyCommand(io, lab, opts);
  const { status } = await import('../../exec/status.js');
  const labs = status(lab);
  if (opts.json) {
    io.out(JSON.stringify(lab ? (labs[0] ?? null) : labs, null, 2) + '\n');
    return lab && labs.length === 0 ? ExitCode.badInput : ExitCode.ok;
  }
  if (labs.length === 0) {
    io.out(lab ? `lab ${lab} is not running\n` : 'no labs are running\n');
    return lab ? ExitCode.badInput : ExitCode.ok;
  }
  if (!lab) {
    io.out(`${'LAB'.padEnd(14)}${'HEALTH'.padEnd(10)}${'NAMESPACES'.padEnd(12)}${'SINCE'.padEnd(26)}FILE\n`);
    for (const s of labs) io.out(`${s.lab.padEnd(14)}${s.health.padEnd(10)}${`${s.namespaces.present}/${s.namespaces.expected}`.padEnd(12)}${s.since.padEnd(26)}${s.file ?? ''}\n`);
    return ExitCode.ok;
  }
  const s = labs[0]!;
  io.out(`lab ${s.lab}: ${s.health} (${s.namespaces.present}/${s.namespaces.expected} namespaces) since ${s.since}${s.file ? ` from ${s.file}` : ''}\n`);
  for (const n of s.nodes) io.out(`  ${n.present ? '✓' : '✗'} ${n.name.padEnd(16)} ${n.kind.padEnd(7)} ${n.ns.padEnd(24)} ${n.addresses.join(' ')}\n`);
  return ExitCode.ok;
}

/** `status LAB --verify`: read the lab back from the kernel and compare it with its topology file. */
async function verifyCommand(io: Io, lab: string | undefined, opts: RunOpts): Promise<number> {
  if (!lab) throw new UsageError('--verify needs a lab name', 'e.g. nslab status lan --verify');
  const [{ requireRoot }, { inspectLab }, { verifyLab }, { SpawnRunner }] = await Promise.all([
    import('../../exec/preflight.js'),
    import('../../exec/inspect.js'),
    import('../../exec/verify.js'),
    import('../../exec/runner.js'),
  ]);
  requireRoot('nslab status --verify');
  const topology = await labFromTarget(io, lab);
  if (topology.name !== lab) throw new UsageError(`lab ${lab} was built from ${topology.file}, which now names the lab ${topology.name}`, 'the file changed since `up`; compare by hand or rebuild the lab');
  const problems = verifyLab(topology, await inspectLab(topology, new SpawnRunner()));
  if (opts.json) io.out(JSON.stringify({ lab, file: topology.file, ok: problems.length === 0, problems }, null, 2) + '\n');
  else if (problems.length === 0) io.out(`lab ${lab} matches ${topology.file}: ${topology.nodes.length} namespaces and ${topology.links.length} links read back from the kernel\n`);
  else io.out(`lab ${lab} differs from ${topology.file} in ${problems.length} place${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  ${p}\n`).join('')}`);
  return problems.length === 0 ? ExitCode.ok : ExitCode.checkFailed;
}

export async function execCommand(_io: Io, lab: string, node: string, cmd: string[]): Promise<number> {
  const { execInNode } = await import('../../exec/exec-node.js');
  return execInNode(lab, node, cmd[0] === '--' ? cmd.slice(1) : cmd);
}
