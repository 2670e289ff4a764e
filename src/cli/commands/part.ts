/**
 * The host side of a lab spread over hosts (`nslab part …`, run by the
 * coordinator over ssh, not by people): `hello` answers the preflight,
 * `up` builds this host's part from the bundle on stdin.
 */
import { ExitCode, TopologyError, UsageError } from '../../diagnostics.js';
import { parseHostsFile } from '../../multihost/hosts-file.js';
import type { PartBundle } from '../../multihost/deploy.js';
import { placementOf } from '../../multihost/place.js';
import { splitLab } from '../../multihost/split.js';
import { parseTopology } from '../../topology/load.js';
import type { Feature } from '../../exec/doctor.js';
import type { Io } from '../io.js';
import { VERSION } from '../io.js';
import { upLab } from './lifecycle.js';

/** The preflight's question: this nslab's version, root or not, and which of the kernel features asked for this host lacks (probed for real, as `doctor` does). */
export async function helloCommand(io: Io, features: string[]): Promise<number> {
  const root = process.getuid?.() === 0;
  let missing: string[] = [];
  if (root && features.length) {
    const [{ probeKernel }, { SpawnRunner }] = await Promise.all([import('../../exec/doctor.js'), import('../../exec/runner.js')]);
    const findings = await probeKernel(new SpawnRunner(), new Set(features as Feature[]));
    missing = findings.filter((f) => !f.ok && features.includes(f.name)).map((f) => `${f.name}${f.fix ? ` (${f.fix})` : ''}`);
  }
  io.out(JSON.stringify({ version: VERSION, root, missing }) + '\n');
  return ExitCode.ok;
}

/** The lab, the hosts file and this host's part, as the coordinator decided them. */
function partOfBundle(bundle: PartBundle) {
  if (bundle.version !== VERSION) throw new UsageError(`the coordinator runs nslab ${bundle.version}, this host ${VERSION}`, 'install the same version on every host');
  const { lab, diagnostics } = parseTopology(bundle.topology.file, bundle.topology.text);
  if (!lab) throw new TopologyError(diagnostics, bundle.topology.text);
  const hosts = parseHostsFile(bundle.hosts.file, bundle.hosts.text);
  if (!hosts.spec) throw new TopologyError(hosts.diagnostics, bundle.hosts.text);
  // The coordinator's placement, as it decided it: this host computes only its own part.
  const hostOf = new Map(Object.entries(bundle.placement));
  const known = new Set(hosts.spec.hosts.map((h) => h.name));
  const unplaced = lab.nodes.find((n) => !known.has(hostOf.get(n.name) ?? ''));
  if (unplaced || !known.has(bundle.host)) throw new UsageError(`the bundle places ${unplaced ? `node ${unplaced.name}` : `this host (${bundle.host})`} on no host of the hosts file`, 'run `nslab up FILE --hosts HOSTS` from the coordinator');
  const { split, diagnostics: splitProblems } = splitLab(lab, hosts.spec, placementOf(lab, hosts.spec, hostOf));
  if (!split) throw new TopologyError(splitProblems, bundle.hosts.text);
  return { lab, part: split.parts.get(bundle.host)! };
}

/**
 * Build this host's part. The bundle is the first line of stdin; the
 * coordinator keeps stdin open while it waits, so its end before the build
 * is done means the coordinator was interrupted or killed: roll back.
 */
export async function partUpCommand(io: Io): Promise<number> {
  const { first, gone } = await firstLine();
  try {
    const bundle = parseBundle(first);
    const { part } = partOfBundle(bundle);
    return await upLab(io, part, bundle.topology.file, { json: true, quiet: true, signal: gone });
  } finally {
    // Built or rolled back: stop watching, so the open stdin does not keep nslab from exiting.
    process.stdin.destroy();
  }
}

/** The first line of stdin (the bundle; all of it, if it has no newline), and a signal aborted when stdin ends after it. */
function firstLine(): Promise<{ first: string; gone: AbortSignal }> {
  const ac = new AbortController();
  return new Promise((resolve) => {
    let buf = '';
    let done = false;
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (d: string) => {
      if (done) return;
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        done = true;
        resolve({ first: buf.slice(0, nl), gone: ac.signal });
      }
    });
    process.stdin.on('end', () => {
      if (!done) {
        done = true;
        resolve({ first: buf, gone: ac.signal });
      } else ac.abort();
    });
  });
}

/** This host's share of the checks, against the whole lab (targets on other hosts are reached through the tunnels): their results as JSON. */
export async function partTestCommand(io: Io): Promise<number> {
  const { first } = await firstLine();
  process.stdin.destroy();
  const bundle = parseBundle(first);
  const { lab, part } = partOfBundle(bundle);
  const [{ runChecks }, { waitReady }, { SpawnRunner }, { loadInProcess }] = await Promise.all([import('../../checks/run.js'), import('../../exec/ready.js'), import('../../exec/runner.js'), import('../../netlink/native.js')]);
  const runner = new SpawnRunner();
  await waitReady(part, runner, { inProcess: loadInProcess() });
  const checks = (bundle.checks ?? []).map(({ index, sources }) => ({ ...lab.checks[index]!, ...(sources ? { sources } : {}) }));
  const results = await runChecks({ ...lab, checks }, { runner });
  io.out(JSON.stringify(results) + '\n');
  return ExitCode.ok;
}

function parseBundle(text: string): PartBundle {
  try {
    const b = JSON.parse(text) as PartBundle;
    if (typeof b.version === 'string' && typeof b.host === 'string' && typeof b.topology?.text === 'string' && typeof b.hosts?.text === 'string' && typeof b.placement === 'object') return b;
  } catch {
    // reported below
  }
  throw new UsageError('`nslab part up` reads a bundle from its coordinator on stdin', 'run `nslab up FILE --hosts HOSTS` instead');
}

/** `part probe ADDR BYTES`: do BYTES-byte packets reach ADDR without fragmenting? (the preflight's MTU probe) */
export async function partProbeCommand(io: Io, address: string, bytes: string): Promise<number> {
  const { parseAddress } = await import('../../topology/ip.js');
  const size = Number(bytes);
  const a = parseAddress(address);
  if (!a || !Number.isInteger(size) || size < 100 || size > 65535) throw new UsageError(`part probe takes an address and a packet size, got ${address} ${bytes}`);
  const { SpawnRunner } = await import('../../exec/runner.js');
  // The payload is the packet less its IP (20 or 40 bytes) and ICMP (8) headers.
  const payload = size - (a.family === 6 ? 48 : 28);
  const r = await new SpawnRunner().run({ argv: ['ping', ...(a.family === 6 ? ['-6'] : []), '-M', 'do', '-c', '2', '-i', '0.2', '-W', '2', '-s', String(payload), address], timeoutMs: 15_000 });
  if (r.exitCode === 0) return ExitCode.ok;
  io.err(`${(r.stdout + r.stderr).trim().split('\n').filter((l) => /too long|frag|mtu|received|unreachable/i.test(l)).slice(0, 2).join('; ') || `ping exited ${r.exitCode}`}\n`);
  return ExitCode.deployFailed;
}
