/**
 * `up`, `down` with `--hosts`: a lab over several machines, driven from
 * here over ssh (multihost/deploy.ts). Each host's line says what happened
 * there; any failure sweeps every host before nslab exits 3.
 */
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { ExitCode, TopologyError } from '../../diagnostics.js';
import type { HostOutcome, Remote } from '../../multihost/deploy.js';
import type { HostsSpec } from '../../multihost/hosts-file.js';
import type { Io } from '../io.js';
import { VERSION } from '../io.js';
import { jsonOut } from '../json.js';
import { plural } from '../progress.js';
import { readLab, resolveLabName } from './lab-name.js';

interface Opts {
  json?: boolean;
  quiet?: boolean;
  strict?: boolean;
}

export async function remoteFor(spec: HostsSpec): Promise<Remote> {
  const [{ SpawnRunner }, { STATE_DIR }] = await Promise.all([import('../../exec/runner.js'), import('../../exec/state.js')]);
  // Multiplexing sockets: short paths (a unix socket path has at most 107 bytes), root's only.
  const controlDir = `${STATE_DIR}/ssh`;
  mkdirSync(controlDir, { recursive: true, mode: 0o700 });
  return { runner: new SpawnRunner(), spec, ssh: { controlDir }, version: VERSION };
}

const hostLine = (o: HostOutcome) => `  ${o.ok ? '✓' : '✗'} ${o.host.padEnd(12)} ${(o.ms / 1000).toFixed(2).padStart(6)} s  ${o.detail}\n`;
const hostJson = (o: HostOutcome) => ({ name: o.host, ok: o.ok, ...(o.unreachable ? { unreachable: true } : {}), duration_ms: Math.round(o.ms), detail: o.detail });

export async function upOverHosts(io: Io, file: string, hostsFile: string, opts: Opts): Promise<number> {
  const t0 = performance.now();
  const lab = await readLab(io, file, { strict: opts.strict });
  const [{ planAcrossHosts, readHostsFile }, deploy] = await Promise.all([import('../../multihost/plan.js'), import('../../multihost/deploy.js')]);
  const { spec, text: hostsText } = await readHostsFile(hostsFile);
  const { plan, diagnostics } = planAcrossHosts(lab, spec);
  if (!plan) throw new TopologyError(diagnostics, hostsText);
  const remote = await remoteFor(spec);
  const report = (ok: boolean, outcomes: HostOutcome[], extra: { phase: string; rolled_back?: HostOutcome[] }) => {
    if (opts.json) {
      jsonOut(io, 'multihost', {
        lab: lab.name, action: 'up', ok, phase: extra.phase, duration_ms: Math.round(performance.now() - t0), hosts: outcomes.map(hostJson), tunnels: plan.split.tunnels.length,
        ...(extra.rolled_back ? { rolled_back: extra.rolled_back.map(hostJson) } : {}),
      });
    }
  };
  try {
    const pre = await deploy.preflightHosts(remote);
    if (pre.some((o) => !o.ok)) {
      report(false, pre, { phase: 'preflight' });
      if (!opts.json) io.err(`nslab: not every host is ready; nothing was built:\n${pre.map(hostLine).join('')}`);
      return ExitCode.environment;
    }
    const probes = await deploy.probeUnderlay(remote, plan);
    if (probes.some((o) => !o.ok)) {
      report(false, probes, { phase: 'preflight' });
      if (!opts.json) io.err(`nslab: the underlay cannot carry this lab's tunnels; nothing was built:\n${probes.filter((o) => !o.ok).map(hostLine).join('')}`);
      return ExitCode.environment;
    }
    const topologyText = lab.source ?? (await readFile(file, 'utf8'));
    const built = await deploy.deployParts(remote, plan, { topology: { file: lab.file, text: topologyText }, hosts: { file: hostsFile, text: hostsText } });
    if (built.some((o) => !o.ok)) {
      // Every host is swept, also those that succeeded and those that failed halfway.
      const swept = await deploy.downOnHosts(remote, lab.name);
      report(false, built, { phase: 'deploy', rolled_back: swept });
      if (!opts.json) io.err(`nslab: lab ${lab.name} failed on ${plural(built.filter((o) => !o.ok).length, 'host')}; every host was rolled back:\n${built.map(hostLine).join('')}${swept.some((o) => !o.ok) ? `rollback:\n${swept.map(hostLine).join('')}  run \`nslab down ${lab.name} --hosts ${hostsFile}\` again once every host can be reached\n` : ''}`);
      return ExitCode.deployFailed;
    }
    report(true, built, { phase: 'done' });
    if (!opts.json) io.out(`lab ${lab.name} is up over ${plural(spec.hosts.length, 'host')} with ${plural(plan.split.tunnels.length, 'tunnel')} between them, ${((performance.now() - t0) / 1000).toFixed(2)} s:\n${built.map(hostLine).join('')}${opts.quiet ? '' : `  then: nslab down ${lab.name} --hosts ${hostsFile}\n`}`);
    return ExitCode.ok;
  } finally {
    await deploy.closeConnections(remote);
  }
}

export async function downOverHosts(io: Io, target: string, hostsFile: string, opts: Opts): Promise<number> {
  const t0 = performance.now();
  const name = await resolveLabName(target);
  const [{ readHostsFile }, deploy] = await Promise.all([import('../../multihost/plan.js'), import('../../multihost/deploy.js')]);
  const { spec } = await readHostsFile(hostsFile);
  const remote = await remoteFor(spec);
  try {
    const swept = await deploy.downOnHosts(remote, name);
    const ok = swept.every((o) => o.ok);
    if (opts.json) jsonOut(io, 'multihost', { lab: name, action: 'down', ok, phase: 'done', duration_ms: Math.round(performance.now() - t0), hosts: swept.map(hostJson), tunnels: 0 });
    else if (ok) io.out(`lab ${name} is down on every host:\n${swept.map(hostLine).join('')}`);
    else io.err(`nslab: lab ${name} could not be removed from every host; run this again once they can be reached:\n${swept.map(hostLine).join('')}`);
    return ok ? ExitCode.ok : ExitCode.deployFailed;
  } finally {
    await deploy.closeConnections(remote);
  }
}
