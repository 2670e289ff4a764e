/**
 * The effectful shell of a lab over several hosts: preflight every host,
 * then every host builds its part (in parallel, with the single-host
 * engine, over ssh), and on any failure every host is swept. `down` is the
 * same sweep: each host removes what carries the lab's tag, so it is safe
 * to repeat, and a host that cannot be reached is reported, not skipped
 * silently.
 *
 * The coordinator decides everything (placement, VNIs, addresses) and sends
 * it with the files: a host computes nothing but its own part of that plan.
 */
import type { Runner, RunResult } from '../exec/runner.js';
import type { CheckResult } from '../checks/result.js';
import { labFeatures } from '../exec/doctor.js';
import type { HostChecks } from './checks.js';
import type { HostSpec, HostsSpec } from './hosts-file.js';
import { underlayNeeds, type MultiHostPlan } from './plan.js';
import { sshArgv, sshCloseArgv, SSH_FAILED, type SshOptions } from './ssh.js';

/** What the coordinator sends a host: the files as read here, and the placement it decided. */
export interface PartBundle {
  version: string;
  host: string;
  topology: { file: string; text: string };
  hosts: { file: string; text: string };
  /** node → host */
  placement: Record<string, string>;
  /** `part test`: the checks this host runs (indexes into the lab's checks; a split reach with its sources here) */
  checks?: HostChecks['checks'];
}

export interface HostOutcome {
  host: string;
  ok: boolean;
  /** ssh could not reach it (or authenticate) */
  unreachable?: boolean;
  ms: number;
  /** what went wrong, or a one-line summary */
  detail: string;
  /** the remote command's JSON output, when it printed one */
  json?: Record<string, unknown>;
}

export interface Remote {
  runner: Runner;
  spec: HostsSpec;
  ssh: SshOptions;
  /** the local nslab's version: every host must run the same */
  version: string;
  /** Ctrl-C / SIGTERM: kills the ssh sessions; a host building its part then rolls it back (it reads the end of its input as the coordinator gone) */
  signal?: AbortSignal;
}

const PREFLIGHT_TIMEOUT_MS = 30_000;
const DEPLOY_TIMEOUT_MS = 30 * 60_000;

async function onHost(r: Remote, host: HostSpec, args: string[], input?: string, timeoutMs = PREFLIGHT_TIMEOUT_MS, hold = false): Promise<{ res: RunResult; ms: number }> {
  const t0 = performance.now();
  const res = await r.runner.run({ argv: sshArgv(r.spec, host, [...r.spec.nslab, ...args], r.ssh), ...(input !== undefined ? { input } : {}), timeoutMs, ...(r.signal ? { signal: r.signal } : {}), ...(hold ? { holdInput: true } : {}) });
  return { res, ms: performance.now() - t0 };
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The last lines of what a remote command said, for a one-line report. */
const tail = (text: string) => text.trim().split('\n').slice(-3).join(' / ').slice(0, 400);

function outcome(host: HostSpec, res: RunResult, ms: number, okDetail: (json: Record<string, unknown> | undefined) => string): HostOutcome {
  const json = parseJson(res.stdout);
  if (res.failedToRun) return { host: host.name, ok: false, ms, detail: `ssh did not run: ${res.failedToRun}` };
  if (res.exitCode === SSH_FAILED) return { host: host.name, ok: false, unreachable: true, ms, detail: `cannot reach ${host.ssh}: ${tail(res.stderr) || 'ssh failed'}` };
  if (res.exitCode !== 0) return { host: host.name, ok: false, ms, detail: tail(res.stderr) || tail(res.stdout) || `exit ${res.exitCode}`, ...(json ? { json } : {}) };
  return { host: host.name, ok: true, ms, detail: okDetail(json), ...(json ? { json } : {}) };
}

/** Every host: reachable, root, running this nslab version, with the kernel features its part needs (`features`: host → names). */
export async function preflightHosts(r: Remote, features: ReadonlyMap<string, readonly string[]> = new Map()): Promise<HostOutcome[]> {
  return Promise.all(
    r.spec.hosts.map(async (h) => {
      const { res, ms } = await onHost(r, h, ['part', 'hello', ...(features.get(h.name) ?? [])]);
      const o = outcome(h, res, ms, () => '');
      if (!o.ok) return { ...o, detail: o.unreachable ? o.detail : `nslab did not answer on ${h.ssh} (${r.spec.nslab.join(' ')}): ${o.detail}` };
      const version = o.json?.version;
      if (version !== r.version) return { ...o, ok: false, detail: `runs nslab ${String(version)}, this is ${r.version}: the same version must run everywhere` };
      if (o.json?.root !== true) return { ...o, ok: false, detail: `${h.ssh} is not root there: building namespaces needs root` };
      const missing = Array.isArray(o.json?.missing) ? (o.json.missing as string[]) : [];
      if (missing.length) return { ...o, ok: false, detail: `its kernel lacks what its part needs: ${missing.join(', ')}` };
      return { ...o, detail: `nslab ${r.version}, root` };
    }),
  );
}

export interface Files {
  topology: { file: string; text: string };
  hosts: { file: string; text: string };
}

/** Every host builds its part; all in parallel. */
export async function deployParts(r: Remote, mp: MultiHostPlan, files: Files): Promise<HostOutcome[]> {
  const placement = Object.fromEntries(mp.placement.hostOf);
  return Promise.all(
    r.spec.hosts.map(async (h) => {
      const bundle: PartBundle = { version: r.version, host: h.name, ...files, placement };
      // One line of JSON, then stdin stays open while the host builds: its end means the coordinator is gone.
      const { res, ms } = await onHost(r, h, ['part', 'up'], JSON.stringify(bundle) + '\n', DEPLOY_TIMEOUT_MS, true);
      return outcome(h, res, ms, (json) => `${String(json?.namespaces ?? '?')} namespaces, ${String(json?.steps ?? '?')} steps`);
    }),
  );
}

/** `nslab down LAB` on every host (a tag sweep: safe to repeat, a no-op where nothing is left). */
export async function downOnHosts(r: Remote, lab: string): Promise<HostOutcome[]> {
  // Not interruptible: this is the sweep an interrupt asks for.
  const sweep: Remote = { ...r, signal: undefined };
  return Promise.all(
    r.spec.hosts.map(async (h) => {
      for (let attempt = 0; ; attempt++) {
        const { res, ms } = await onHost(sweep, h, ['down', lab, '--json']);
        // A host still rolling back its interrupted build holds the lab's lock for a moment.
        if (/is locked by another nslab process/.test(res.stderr) && attempt < LOCKED_RETRIES) {
          await new Promise((ok) => setTimeout(ok, 1000));
          continue;
        }
        return outcome(h, res, ms, (json) => (json?.was_running ? `removed ${String(json.namespaces)} namespaces` : 'nothing of the lab was there'));
      }
    }),
  );
}

/** Seconds `down` waits for a host's own rollback to let go of the lab. */
const LOCKED_RETRIES = 60;

/** Close every multiplexed connection, so no ssh process outlives the command. */
export async function closeConnections(r: Remote): Promise<void> {
  await Promise.all(r.spec.hosts.map((h) => r.runner.run({ argv: sshCloseArgv(r.spec, h, r.ssh), timeoutMs: 10_000 })));
}

/** Each host runs its share of the checks (in parallel); a host that fails answers with its outcome instead. */
export async function checksOnHosts(r: Remote, mp: MultiHostPlan, files: Files, perHost: readonly HostChecks[]): Promise<Map<string, CheckResult[] | HostOutcome>> {
  const placement = Object.fromEntries(mp.placement.hostOf);
  const answers = await Promise.all(
    perHost.map(async ({ host, checks }) => {
      const h = r.spec.hosts.find((x) => x.name === host)!;
      const bundle: PartBundle = { version: r.version, host, ...files, placement, checks };
      const { res, ms } = await onHost(r, h, ['part', 'test'], JSON.stringify(bundle), DEPLOY_TIMEOUT_MS);
      let results: CheckResult[] | undefined;
      try {
        const v: unknown = JSON.parse(res.stdout);
        if (Array.isArray(v) && v.length === checks.length) results = v as CheckResult[];
      } catch {
        // told below
      }
      return [host, results ?? { ...outcome(h, res, ms, () => ''), ok: false }] as const;
    }),
  );
  return new Map(answers);
}

/**
 * Every underlay path a tunnel will use carries its largest packet without
 * fragmenting: a don't-fragment probe from each host to each other one it
 * tunnels to. A lab MTU the underlay cannot carry is refused here, before
 * anything is built, instead of as silent drops of big packets later.
 */
export async function probeUnderlay(r: Remote, mp: MultiHostPlan): Promise<HostOutcome[]> {
  return Promise.all(
    underlayNeeds(mp).map(async ({ host, to, bytes }) => {
      const h = r.spec.hosts.find((x) => x.name === host)!;
      const { res, ms } = await onHost(r, h, ['part', 'probe', to, String(bytes)]);
      const o = outcome(h, res, ms, () => `${bytes}-byte packets reach ${to} unfragmented`);
      return o.ok ? o : { ...o, detail: o.unreachable ? o.detail : `${bytes}-byte packets do not reach ${to} unfragmented (${o.detail}): the underlay's MTU must be at least ${bytes}, 50 bytes above the lab's largest MTU (${bytes - 50}); raise it, or lower the lab's MTU` };
    }),
  );
}

export interface BuildResult {
  ok: boolean;
  /** where it stopped: a failed preflight built nothing; a failed deploy was swept on every host */
  phase: 'preflight' | 'deploy' | 'done';
  outcomes: HostOutcome[];
  /** after a failed deploy: the sweep of every host */
  rolledBack?: HostOutcome[];
}

/**
 * Preflight (every host, then the underlay's MTU), then every host builds
 * its part; a failure anywhere sweeps every host, also those that
 * succeeded and those that failed halfway.
 */
export async function buildOverHosts(r: Remote, mp: MultiHostPlan, files: Files): Promise<BuildResult> {
  const pre = await preflightHosts(r, new Map([...mp.split.parts].map(([host, part]) => [host, [...labFeatures(part)]])));
  if (pre.some((o) => !o.ok)) return { ok: false, phase: 'preflight', outcomes: pre };
  const probes = await probeUnderlay(r, mp);
  if (probes.some((o) => !o.ok)) return { ok: false, phase: 'preflight', outcomes: probes.filter((o) => !o.ok) };
  const built = await deployParts(r, mp, files);
  if (built.every((o) => o.ok) && !r.signal?.aborted) return { ok: true, phase: 'done', outcomes: built };
  return { ok: false, phase: 'deploy', outcomes: built, rolledBack: await downOnHosts(r, mp.lab) };
}

/** `nslab status LAB` on every host: is its part there, and whole? */
export async function statusOnHosts(r: Remote, lab: string): Promise<HostOutcome[]> {
  return Promise.all(
    r.spec.hosts.map(async (h) => {
      const { res, ms } = await onHost(r, h, ['status', lab, '--json']);
      const json = parseJson(res.stdout);
      // `status LAB` exits 2 when the lab is not there: an answer, not a failure.
      if (json && res.exitCode !== SSH_FAILED) {
        const s = (json.labs as { health: string; namespaces: { present: number; expected: number } }[] | undefined)?.[0];
        const stateless = (json.stateless as { namespaces: string[] }[] | undefined)?.[0];
        const detail = s ? `${s.health} (${s.namespaces.present}/${s.namespaces.expected} namespaces)` : stateless ? `${stateless.namespaces.length} namespaces without a state file: down --hosts removes them` : 'nothing of the lab';
        return { host: h.name, ok: true, ms, detail, json };
      }
      return outcome(h, res, ms, () => '');
    }),
  );
}
