/**
 * `up`, `down` with `--hosts`: a lab over several machines, driven from
 * here over ssh (multihost/deploy.ts). Each host's line says what happened
 * there; any failure sweeps every host before nslab exits 3.
 */
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { ExitCode, TopologyError, UsageError } from '../../diagnostics.js';
import type { BuildResult, HostOutcome, Remote } from '../../multihost/deploy.js';
import type { HostsSpec } from '../../multihost/hosts-file.js';
import type { Io } from '../io.js';
import { VERSION } from '../io.js';
import { jsonOut } from '../json.js';
import { plural } from '../progress.js';
import { onSignals } from '../signals.js';
import { checkLabName, readLab, resolveLabName } from './lab-name.js';

interface Opts {
  json?: boolean;
  quiet?: boolean;
  strict?: boolean;
}

/** Read a hosts file, or throw its problems (exit 2) with the text to quote. */
export async function readHostsFile(path: string): Promise<{ spec: HostsSpec; text: string }> {
  const text = await readFile(path, 'utf8');
  const { parseHostsFile } = await import('../../multihost/hosts-file.js');
  const { spec, diagnostics } = parseHostsFile(path, text);
  if (!spec) throw new TopologyError(diagnostics, text);
  return { spec, text };
}

/** The hosts, reachable for the length of `fn`: their multiplexed ssh connections are closed after it, whatever happened. */
async function withRemote<T>(spec: HostsSpec, fn: (remote: Remote, deploy: typeof import('../../multihost/deploy.js')) => Promise<T>, signal?: AbortSignal): Promise<T> {
  const [remote, deploy] = await Promise.all([remoteFor(spec), import('../../multihost/deploy.js')]);
  if (signal) remote.signal = signal;
  try {
    return await fn(remote, deploy);
  } finally {
    await deploy.closeConnections(remote);
  }
}

export async function remoteFor(spec: HostsSpec): Promise<Remote> {
  const [{ SpawnRunner }, { STATE_DIR }] = await Promise.all([import('../../exec/runner.js'), import('../../exec/state.js')]);
  // Multiplexing sockets: short paths (a unix socket path has at most 107 bytes), root's only.
  const controlDir = `${STATE_DIR}/ssh`;
  mkdirSync(controlDir, { recursive: true, mode: 0o700 });
  return { runner: new SpawnRunner(), spec, ssh: { controlDir, session: String(process.pid) }, version: VERSION };
}

/** What a failed build says, host by host. */
export function buildFailure(lab: string, hostsFile: string, b: BuildResult): string {
  if (b.phase === 'preflight') return `nslab: not every host is ready for lab ${lab}; nothing was built:\n${b.outcomes.map(hostLine).join('')}`;
  const sweep = b.rolledBack?.some((o) => !o.ok) ? `rollback:\n${b.rolledBack.map(hostLine).join('')}  run \`nslab down ${lab} --hosts ${hostsFile}\` again once every host can be reached\n` : '';
  return `nslab: lab ${lab} failed on ${plural(b.outcomes.filter((o) => !o.ok).length, 'host')}; every host was rolled back:\n${b.outcomes.map(hostLine).join('')}${sweep}`;
}

export const hostLine = (o: HostOutcome) => `  ${o.ok ? '✓' : '✗'} ${o.host.padEnd(12)} ${(o.ms / 1000).toFixed(2).padStart(6)} s  ${o.detail}\n`;
const hostJson = (o: HostOutcome) => ({ name: o.host, ok: o.ok, ...(o.unreachable ? { unreachable: true } : {}), duration_ms: Math.round(o.ms), detail: o.detail });

export async function upOverHosts(io: Io, file: string, hostsFile: string, opts: Opts): Promise<number> {
  const t0 = performance.now();
  const lab = await readLab(io, file, { strict: opts.strict });
  const { planAcrossHosts } = await import('../../multihost/plan.js');
  const { spec, text: hostsText } = await readHostsFile(hostsFile);
  const { plan, diagnostics } = planAcrossHosts(lab, spec);
  if (!plan) throw new TopologyError(diagnostics, hostsText);
  // Ctrl-C / SIGTERM: the ssh sessions are killed, each host rolls its part back, and every host is swept.
  const irq = onSignals(io, 'stopping the hosts\' builds and rolling every host back');
  try {
    return await withRemote(spec, async (remote, deploy) => {
      const topologyText = lab.source ?? (await readFile(file, 'utf8'));
      const b = await deploy.buildOverHosts(remote, plan, { topology: { file: lab.file, text: topologyText }, hosts: { file: hostsFile, text: hostsText } });
      if (opts.json) {
        jsonOut(io, 'multihost', {
          lab: lab.name, action: 'up', ok: b.ok, phase: b.phase, duration_ms: Math.round(performance.now() - t0), hosts: b.outcomes.map(hostJson), tunnels: plan.split.tunnels.length,
          ...(b.rolledBack ? { rolled_back: b.rolledBack.map(hostJson) } : {}),
        });
      } else if (b.ok) {
        io.out(`lab ${lab.name} is up over ${plural(spec.hosts.length, 'host')} with ${plural(plan.split.tunnels.length, 'tunnel')} between them, ${((performance.now() - t0) / 1000).toFixed(2)} s:\n${b.outcomes.map(hostLine).join('')}${opts.quiet ? '' : `  then: nslab down ${lab.name} --hosts ${hostsFile}\n`}`);
      } else {
        io.err(buildFailure(lab.name, hostsFile, b));
      }
      return irq.exitCode() ?? (b.ok ? ExitCode.ok : b.phase === 'preflight' ? ExitCode.environment : ExitCode.deployFailed);
    }, irq.signal);
  } finally {
    irq.dispose();
  }
}

export async function downOverHosts(io: Io, target: string, hostsFile: string, opts: Opts): Promise<number> {
  const t0 = performance.now();
  const name = await resolveLabName(target);
  const { spec } = await readHostsFile(hostsFile);
  return withRemote(spec, async (remote, deploy) => {
    const swept = await deploy.downOnHosts(remote, name);
    const ok = swept.every((o) => o.ok);
    if (opts.json) jsonOut(io, 'multihost', { lab: name, action: 'down', ok, phase: 'done', duration_ms: Math.round(performance.now() - t0), hosts: swept.map(hostJson), tunnels: 0 });
    else if (ok) io.out(`lab ${name} is down on every host:\n${swept.map(hostLine).join('')}`);
    else io.err(`nslab: lab ${name} could not be removed from every host; run this again once they can be reached:\n${swept.map(hostLine).join('')}`);
    return ok ? ExitCode.ok : ExitCode.deployFailed;
  });
}

export async function statusOverHosts(io: Io, name: string | undefined, hostsFile: string, opts: Opts): Promise<number> {
  if (name === undefined) throw new UsageError('status --hosts needs a lab name', 'e.g. nslab status star --hosts hosts.yaml');
  const lab = checkLabName(name);
  const t0 = performance.now();
  const { spec } = await readHostsFile(hostsFile);
  return withRemote(spec, async (remote, deploy) => {
    const answers = await deploy.statusOnHosts(remote, lab);
    const ok = answers.every((o) => o.ok);
    if (opts.json) jsonOut(io, 'multihost', { lab, action: 'status', ok, phase: 'done', duration_ms: Math.round(performance.now() - t0), hosts: answers.map(hostJson), tunnels: 0 });
    else io.out(`lab ${lab} on ${plural(spec.hosts.length, 'host')}:\n${answers.map(hostLine).join('')}`);
    return ok ? ExitCode.ok : ExitCode.deployFailed;
  });
}
