/**
 * `up`: a complete lab or nothing. State is written before the first kernel
 * object exists, so `down` works even after `up` was killed with SIGKILL; on
 * any failure (or abort) everything created is rolled back before returning.
 * One `up`/`down` per lab at a time (per-lab lock); different labs coexist.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { creationPlan, namespaceSteps } from '../compile/create.js';
import type { Plan, Step } from '../compile/plan.js';
import { prepareNodeFiles } from '../services/hosts.js';
import { labDirs, type LabDirs } from '../services/paths.js';
import { startService, waitReady, type ReadyOutcome, type ServiceRecord } from '../services/supervise.js';
import { commandArgv } from '../topology/command.js';
import { removeLab } from './down.js';
import { footprintOf } from '../compile/teardown.js';
import type { Lab } from '../topology/model.js';
import { listNamespaces } from './discover.js';
import { labFeatures, requireFeatures } from './doctor.js';
import { ExitCode } from '../diagnostics.js';
import { DeployError, LabConflictError } from './errors.js';
import { executePlan, type ExecOutcome, type StepFailure } from './executor.js';
import { refuseHostClashes } from './host-clash.js';
import type { LifecycleOptions } from './options.js';
import { requireRoot, requireTools, toolsOf } from './preflight.js';
import { SpawnRunner, type Runner } from './runner.js';
import { loadInProcess } from '../netlink/native.js';
import { stopwatch, type Stopwatch, type Timings } from './timings.js';
import { acquireLock, planHash, readState, readStateFile, removeState, STATE_DIR, writeState, type LabState } from './state.js';

export interface UpResult {
  lab: Lab;
  plan: Plan;
  outcome: ExecOutcome;
  ms: number;
  /** the lab was already up from the same file, unchanged: nothing was done */
  alreadyUp?: boolean;
  /** the services started */
  services: ServiceRecord[];
  /** where the time went, phase by phase */
  timings: Timings;
}

export interface UpOptions extends LifecycleOptions {
  /** a lab already up from the same, unchanged file: `ok` returns at once (idempotent `up`); `refuse` throws (the default) */
  ifUp?: 'ok' | 'refuse';
  /** laps are added here (the caller may have started it, to count reading the file) */
  stopwatch?: Stopwatch;
}

export async function up(lab: Lab, opts: UpOptions = {}): Promise<UpResult> {
  const clock = opts.stopwatch ?? stopwatch();
  const runner = opts.runner ?? new SpawnRunner({ dieWithParent: true });
  const stateDir = opts.stateDir ?? STATE_DIR;
  const dirs = labDirs(stateDir, lab.name);
  const planned = lazy(() => creationPlan(lab, undefined, { runDir: dirs.run }));
  requireRoot('nslab up', 'it creates network namespaces');
  // What making namespaces takes, before any is made; the plan's other
  // tools as soon as it is known (see startNamespaces).
  requireTools(['ip', 'nsenter', 'setpriv', 'bash']);
  // Only optional kernel features are worth a probe (impairments, VLANs,
  // tunnels): namespaces, veth and bridges fail on the first step anyway,
  // with a clear error and nothing to roll back.
  await requireFeatures(runner, labFeatures(lab));
  clock.lap('preflight');
  const release = await acquireLock(lab.name, stateDir);
  try {
    if (refuseConflicts(lab, () => hashOf(planned()), opts.ifUp ?? 'refuse', stateDir) === 'already-up') {
      clock.lap('plan'); // planned to compare with the running lab's
      return { lab, plan: planned(), outcome: { ok: true, done: new Set(), failures: [], processes: 0, aborted: false }, ms: 0, alreadyUp: true, services: readState(lab.name, stateDir)?.services ?? [], timings: clock.timings };
    }
    await refuseHostClashes(lab, runner);
    clock.lap('lock_and_host_check');
    const t0 = performance.now();
    writeState(stateOf(lab, 'creating'), stateDir);
    const rollBack = async (failure: StepFailure | undefined, reason: string): Promise<never> => {
      throw new DeployError(lab.name, failure, reason, await undo(lab, runner, stateDir, { concurrency: opts.concurrency, onProgress: opts.onProgress }));
    };
    const { plan, namespaces } = await startNamespaces(lab, planned, runner, stateDir, opts);
    clock.lap('plan');
    const hash = hashOf(plan);
    writeState(stateOf(lab, 'creating', hash), stateDir);
    const files = prepareFiles(lab, plan, dirs);
    // Setup commands may already resolve node names: they wait for the
    // files. Any other plan runs beside them (see installHosts).
    const filesFirst = plan.steps.some((s) => s.command) ? await files : undefined;
    clock.lap('files');
    const made = await namespaces; // awaited either way: a rollback must not race it
    if (filesFirst) return rollBack(undefined, filesFirst);
    const rest = made.ok
      ? await executePlan(plan, runner, {
          concurrency: opts.concurrency,
          done: made.done,
          // Only with the real runner: a recording one (the tests) must see every step.
          inProcess: opts.runner ? undefined : loadInProcess(),
          signal: opts.signal,
          onProgress: (e) => opts.onProgress?.({ ...e, phase: 'create' }),
        })
      : made;
    const outcome = made.ok ? { ...rest, processes: rest.processes + made.processes } : made;
    clock.lap('kernel_objects');
    const filesError = await files; // awaited either way: a rollback must not race it
    clock.lap('files');
    if (!outcome.ok) return rollBack(outcome.failures[0], outcome.aborted ? 'was interrupted' : 'failed');
    if (filesError) return rollBack(undefined, filesError);
    const services = await startAll(lab, dirs, runner, (records) => writeState({ ...stateOf(lab, 'creating', hash), services: records }, stateDir), opts);
    if (!services.ok) return rollBack(services.failure, opts.signal?.aborted ? 'was interrupted' : 'failed');
    clock.lap('services');
    writeState({ ...stateOf(lab, 'up', hash), ...(services.records.length ? { services: services.records } : {}) }, stateDir);
    clock.lap('state');
    return { lab, plan, outcome, ms: performance.now() - t0, services: services.records, timings: mergeLaps(clock.timings) };
  } finally {
    release();
  }
}

/**
 * Start making the namespaces, then plan the rest while the kernel works:
 * the names are all they need, and planning the 1000-host star takes
 * 75–110 ms of a cold start — time the namespaces (0.45–0.8 s) hide.
 * If the plan names a tool this host lacks (tc, bridge, nft, iptables, a
 * setup command's `needs`), the namespaces made meanwhile are removed
 * before the error is raised: exit 4, with nothing left.
 */
async function startNamespaces(lab: Lab, planned: () => Plan, runner: Runner, stateDir: string, opts: UpOptions): Promise<{ plan: Plan; namespaces: Promise<ExecOutcome> }> {
  let total: number | undefined;
  const namespaces = executePlan({ kind: 'create', lab: lab.name, file: lab.file, steps: namespaceSteps(lab) }, runner, {
    concurrency: opts.concurrency,
    signal: opts.signal,
    // The namespaces count as the first steps of the whole plan, known by the time any finishes.
    onProgress: (e) => opts.onProgress?.({ ...e, ...(e.type === 'batch-done' && total ? { total } : {}), phase: 'create' }),
  });
  try {
    const plan = planned();
    total = plan.steps.length;
    requireTools(toolsOf(plan));
    return { plan, namespaces };
  } catch (e) {
    await namespaces;
    await undo(lab, runner, stateDir, { concurrency: opts.concurrency });
    throw e;
  }
}

/** Remove whatever of the lab exists, and its state once nothing failed; what failed to go. */
async function undo(lab: Lab, runner: Runner, stateDir: string, opts: Pick<UpOptions, 'concurrency' | 'onProgress'>): Promise<StepFailure[]> {
  const { outcome } = await removeLab(footprintOf(lab), runner, stateDir, { ...opts, phase: 'rollback' });
  if (outcome.failures.length === 0) removeState(lab.name, stateDir);
  return outcome.failures;
}

/** `f()`, computed once, on first use. */
function lazy<T>(f: () => T): () => T {
  let value: { v: T } | undefined;
  return () => (value ??= { v: f() }).v;
}

/** One entry per phase (files may be lapped twice: before and after the plan), in first-seen order. */
function mergeLaps(timings: Timings): Timings {
  const out: Timings = [];
  for (const t of timings) {
    const seen = out.find((o) => o.phase === t.phase);
    if (seen) seen.ms += t.ms;
    else out.push({ ...t });
  }
  return out;
}

/**
 * The files the lab's software sees: the hosts file and each node's link to
 * it, and the scratch folders of the plan's commands. Resolves to what went
 * wrong instead of rejecting, so the deploy can roll back.
 */
async function prepareFiles(lab: Lab, plan: Plan, dirs: LabDirs): Promise<string | undefined> {
  try {
    await prepareNodeFiles(lab, [plan], dirs);
    return undefined;
  } catch (e) {
    return `could not write the lab's files: ${(e as Error).message}`;
  }
}

/**
 * Start every service at once (setup has run), record them before waiting
 * (a killed `up` leaves them findable), then wait for each to be ready. The
 * first that dies or times out fails the deploy, with the tail of its output.
 */
export async function startAll(lab: Lab, dirs: LabDirs, runner: Runner, record: (r: ServiceRecord[]) => void, opts: UpOptions): Promise<{ ok: true; records: ServiceRecord[] } | { ok: false; failure: StepFailure }> {
  const services = lab.nodes.flatMap((n) => (n.kind === 'netns' ? n.services : []));
  if (services.length === 0) return { ok: true, records: [] };
  const records = services.map((svc) => startService(lab, svc, dirs));
  record(records);
  let done = 0;
  const outcomes = await Promise.all(
    services.map(async (svc, i) => {
      const r = await waitReady(svc, records[i]!, runner, opts.signal);
      opts.onProgress?.({ type: 'batch-done', ns: records[i]!.ns, steps: 1, done: ++done, total: services.length, phase: 'services' });
      return r;
    }),
  );
  const bad = outcomes.findIndex((o) => !o.ok);
  if (bad < 0) return { ok: true, records };
  const svc = services[bad]!;
  const o = outcomes[bad] as Extract<ReadyOutcome, { ok: false }>;
  const step: Step = {
    id: `service:${svc.id}`, ns: null, deps: [], why: `service ${svc.id} ${o.why}`, source: svc.loc,
    argv: ['ip', 'netns', 'exec', records[bad]!.ns, ...commandArgv(svc.cmd)],
    command: { cwd: lab.dir, env: svc.env, timeoutMs: svc.ready.timeoutMs, needs: [] },
  };
  return { ok: false, failure: { step, message: `${o.why}${o.tail ? `; the last of its output:\n${o.tail}` : ' (it printed nothing)'}`, invocation: { argv: step.argv } } };
}

/** What a plan builds, as a hash: the same file unchanged gives the same plan. */
export function hashOf(plan: Plan): string {
  return planHash(JSON.stringify(plan.steps.map((s) => [s.ns, s.argv])));
}

/** `hash` is asked only when a state file exists: planning waits for it otherwise. */
function refuseConflicts(lab: Lab, hash: () => string, ifUp: 'ok' | 'refuse', stateDir: string): 'already-up' | undefined {
  const read = readStateFile(lab.name, stateDir);
  if (read.kind === 'damaged') {
    throw new LabConflictError(`lab ${lab.name} has a damaged state file (${read.path}: ${read.reason})`, `run \`nslab down ${lab.name}\` first: it removes the lab from the kernel's tags and the damaged file`);
  }
  if (read.kind === 'ok') {
    const existing = read.state;
    const same = existing.phase === 'up' && existing.file === resolve(lab.file) && existing.planHash === hash();
    if (same && ifUp === 'ok') return 'already-up';
    const what = existing.phase === 'up' ? 'up' : 'partly deployed (or being deployed)';
    const from = existing.file ? ` from ${existing.file}` : '';
    if (existing.phase === 'up' && !same) {
      const changed = existing.file === resolve(lab.file);
      throw new LabConflictError(
        `lab ${lab.name} is already up${from}${changed ? ', which has changed since' : ''} (since ${existing.createdAt})`,
        `run \`nslab down ${lab.name}\` first, or give this lab another \`name:\``,
        ExitCode.badInput,
      );
    }
    throw new LabConflictError(`lab ${lab.name} is already ${what}${from} (since ${existing.createdAt})`, `run \`nslab down ${lab.name}\` first, or give this lab another \`name:\``);
  }
  const present = new Set(listNamespaces());
  const clash = lab.nodes.map((n) => n.ns).filter((ns) => present.has(ns));
  if (clash.length) {
    throw new LabConflictError(
      `namespace${clash.length > 1 ? 's' : ''} ${clash.slice(0, 5).join(', ')}${clash.length > 5 ? ` and ${clash.length - 5} more` : ''} already exist${clash.length > 1 ? '' : 's'}, and no running lab ${lab.name} owns ${clash.length > 1 ? 'them' : 'it'}`,
      `if they are left over from lab ${lab.name}, run \`nslab down ${lab.name}\`; otherwise remove them (\`ip netns del NAME\`) or rename the lab`,
    );
  }
  for (const n of lab.nodes) {
    if (n.kind === 'bridge' && n.host && existsSync(`/sys/class/net/${n.host.hostIf}`)) {
      throw new LabConflictError(`host interface ${n.host.hostIf} (for bridge ${n.name}) already exists`, `run \`nslab down ${lab.name}\` first`);
    }
  }
  return undefined;
}

/** sha256 of each node's nft file, as it is deployed. */
export function nftHashes(lab: Lab): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of lab.nodes) {
    if (n.kind !== 'netns' || !n.nft?.file) continue;
    try {
      out[n.name] = createHash('sha256').update(readFileSync(resolve(lab.dir, n.nft.file))).digest('hex');
    } catch {
      /* unreadable: the deploy reports it */
    }
  }
  return out;
}

/** `hash` is absent only while `up` is still planning (the namespaces are being made). */
export function stateOf(lab: Lab, phase: LabState['phase'], hash?: string): LabState {
  const addresses = new Map<string, string[]>();
  for (const l of lab.links) for (const e of l.ends) addresses.set(e.node, [...(addresses.get(e.node) ?? []), ...e.addresses.map((a) => a.text)]);
  return {
    version: 1,
    lab: lab.name,
    // Absolute: `nslab test LAB` from another folder must still find the file.
    file: resolve(lab.file),
    ...(hash !== undefined ? { planHash: hash } : {}),
    ...(lab.source !== undefined ? { topology: { text: lab.source, nft: nftHashes(lab) } } : {}),
    phase,
    pid: process.pid,
    createdAt: new Date().toISOString(),
    footprint: footprintOf(lab),
    nodes: lab.nodes.map((n) => ({ name: n.name, kind: n.kind, ns: n.ns, addresses: addresses.get(n.name) ?? [] })),
  };
}
