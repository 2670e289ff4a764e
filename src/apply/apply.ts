/**
 * `apply`: change a running lab into what a topology now says, live. The
 * change plan (diff.ts) runs in three phases — removals, changes in place,
 * creations — between stopping the services that go or change and starting
 * the ones that come. A failure anywhere puts the lab back as it was: the
 * plan from the new topology to the old one runs with every step tolerant of
 * finding its work done or undone already, and the old services come back.
 * Only then is the state file touched, so it always describes what runs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { ExitCode, NslabError, UsageError } from '../diagnostics.js';
import type { Plan } from '../compile/plan.js';
import { creationPlan } from '../compile/create.js';
import { labFeatures, requireFeatures, type Feature } from '../exec/doctor.js';
import { DeployError } from '../exec/errors.js';
import { executePlan, type StepFailure } from '../exec/executor.js';
import { refuseHostClashes } from '../exec/host-clash.js';
import type { LifecycleOptions } from '../exec/options.js';
import { requireRoot, requireTools, toolsOf } from '../exec/preflight.js';
import { stopProcessesIn } from '../exec/processes.js';
import { SpawnRunner, type Runner } from '../exec/runner.js';
import { acquireLock, readStateFile, STATE_DIR, writeState, type LabState } from '../exec/state.js';
import { hashOf, startAll, stateOf } from '../exec/up.js';
import { prepareNodeFiles } from '../services/hosts.js';
import { labDirs } from '../services/paths.js';
import { stopService, type ServiceRecord } from '../services/supervise.js';
import { parseTopology } from '../topology/load.js';
import type { Lab } from '../topology/model.js';
import { changePlan, isEmpty, type ChangePlan } from './diff.js';

export interface ApplyResult {
  lab: Lab;
  change: ChangePlan;
  ms: number;
  /** steps run */
  steps: number;
}

export interface ApplyOptions extends LifecycleOptions {
  /** the state says the topology was edited by connect/disconnect (kept until the next plain apply) */
  edited?: boolean;
}

/** The topology a running lab was built from, as it runs (its state keeps the text). */
export function runningTopology(state: LabState): Lab {
  if (!state.topology || !state.file) {
    throw new UsageError(`lab ${state.lab} was brought up without keeping its topology (by an older nslab)`, `bring it down and up again: nslab down ${state.lab} && nslab up FILE`);
  }
  const r = parseTopology(state.file, state.topology.text);
  if (!r.lab) throw new UsageError(`the topology lab ${state.lab} runs from no longer loads: ${r.diagnostics[0]?.message ?? 'invalid'}`, `bring it down and up again: nslab down ${state.lab}`);
  return r.lab;
}

/** What `apply` would do to the running lab, without doing it (`nslab plan FILE --against LAB`). */
export function planAgainst(to: Lab, stateDir = STATE_DIR): ChangePlan {
  const state = upState(to.name, stateDir);
  return changePlan(runningTopology(state), to, { runDir: labDirs(stateDir, to.name).run, nftChanged: nftChanged(to, state) });
}

function upState(lab: string, stateDir: string): LabState {
  const read = readStateFile(lab, stateDir);
  if (read.kind === 'damaged') throw new UsageError(`lab ${lab}'s state file is damaged (${read.reason})`, `bring it down (nslab down ${lab}) and up again`);
  if (read.kind === 'absent' || read.state.phase !== 'up') throw new UsageError(`lab ${lab} is not up`, 'bring it up with `nslab up FILE` first; `apply` changes a running lab');
  return read.state;
}

/** Nodes whose nft file now differs from the one deployed. */
function nftChanged(to: Lab, state: LabState): Set<string> {
  const out = new Set<string>();
  for (const n of to.nodes) {
    if (n.kind !== 'netns' || !n.nft?.file) continue;
    const path = resolve(to.dir, n.nft.file);
    const now = existsSync(path) ? createHash('sha256').update(readFileSync(path)).digest('hex') : '';
    if (state.topology?.nft?.[n.name] !== now) out.add(n.name);
  }
  return out;
}

export async function applyLab(to: Lab, opts: ApplyOptions = {}): Promise<ApplyResult> {
  const runner = opts.runner ?? new SpawnRunner({ dieWithParent: true });
  const stateDir = opts.stateDir ?? STATE_DIR;
  requireRoot('nslab apply', 'it changes network namespaces');
  const release = await acquireLock(to.name, stateDir);
  try {
    const state = upState(to.name, stateDir);
    const from = runningTopology(state);
    const dirs = labDirs(stateDir, to.name);
    const change = changePlan(from, to, { runDir: dirs.run, nftChanged: nftChanged(to, state) });
    const t0 = performance.now();
    if (isEmpty(change)) {
      // Nothing to do in the kernel; the state still takes the new text (checks, comments).
      writeState(nextState(state, to, state.services ?? [], stateDir, opts.edited), stateDir);
      return { lab: to, change, ms: performance.now() - t0, steps: 0 };
    }
    await preflight(from, to, change, runner);
    const records = state.services ?? [];
    const outcome = await runChange(change, from, to, records, runner, stateDir, opts);
    if (!outcome.ok) {
      const rb = await rollBack(from, to, records, outcome.started, runner, stateDir, opts);
      // The old topology runs again; services it restarted have new records.
      writeState({ ...state, services: rb.records }, stateDir);
      throw new ApplyError(to.name, outcome.failure, rb.failures);
    }
    writeState(nextState(state, to, outcome.records, stateDir, opts.edited), stateDir);
    return { lab: to, change, ms: performance.now() - t0, steps: change.remove.steps.length + change.edit.steps.length + change.create.steps.length };
  } finally {
    release();
  }
}

async function preflight(from: Lab, to: Lab, change: ChangePlan, runner: Runner): Promise<void> {
  requireTools([...new Set([...toolsOf(change.remove), ...toolsOf(change.edit), ...toolsOf(change.create), 'setpriv', 'bash'])]);
  const had = labFeatures(from);
  await requireFeatures(runner, new Set([...labFeatures(to)].filter((f: Feature) => !had.has(f))), 'nothing was changed');
  await refuseHostClashes(to, runner);
}

type RunOutcome = { ok: true; records: ServiceRecord[] } | { ok: false; failure: StepFailure | undefined; started: ServiceRecord[] };

/** Stop, remove, edit, create, start. */
async function runChange(change: ChangePlan, from: Lab, to: Lab, records: ServiceRecord[], runner: Runner, stateDir: string, opts: ApplyOptions): Promise<RunOutcome> {
  const dirs = labDirs(stateDir, to.name);
  const stopping = new Set(change.services.stop);
  for (const r of records) if (stopping.has(r.id)) await stopService(r, serviceStopMs(from, r.id));
  await stopProcessesIn(namespacesDeleted(change.remove));
  await prepareNodeFiles(to, [change.edit, change.create], dirs);
  for (const plan of [change.remove, change.edit, change.create]) {
    const out = await execute(plan, runner, opts);
    if (!out.ok) return { ok: false, failure: out.failures[0] ?? stuckFailure(plan, out.done), started: [] };
  }
  const kept = records.filter((r) => !stopping.has(r.id) && to.nodes.some((n) => n.name === r.node));
  let launched: ServiceRecord[] = [];
  const started = await startAll(withServices(to, new Set(change.services.start.map((s) => s.id))), dirs, runner, (r) => (launched = r), opts);
  if (!started.ok) return { ok: false, failure: started.failure, started: launched };
  return { ok: true, records: [...kept, ...started.records] };
}

/** A process keeps a deleted namespace alive, nameless: the namespaces a plan deletes, whose processes stop first. */
const namespacesDeleted = (plan: Plan) => plan.steps.filter((s) => s.argv[1] === 'netns' && s.argv[2] === 'del').map((s) => s.argv[3]!);

/**
 * A plan that stopped with no step failing (interrupted, or a step whose
 * dependencies never finished): the first step that did not run is what to
 * report.
 */
function stuckFailure(plan: Plan, done: ReadonlySet<string>): StepFailure | undefined {
  const step = plan.steps.find((s) => !done.has(s.id));
  return step ? { step, message: 'did not run (interrupted, or a step before it did not finish)', invocation: { argv: step.argv } } : undefined;
}

async function execute(plan: Plan, runner: Runner, opts: ApplyOptions) {
  if (plan.steps.length === 0) return { ok: true as const, failures: [] as StepFailure[] };
  return executePlan(plan, runner, { concurrency: opts.concurrency, signal: opts.signal, onProgress: (e) => opts.onProgress?.({ ...e, phase: 'create' }) });
}

/** The lab with only these services, for startAll. */
const withServices = (lab: Lab, ids: ReadonlySet<string>): Lab => ({ ...lab, nodes: lab.nodes.map((n) => (n.kind === 'netns' ? { ...n, services: n.services.filter((s) => ids.has(s.id)) } : n)) });

const serviceStopMs = (lab: Lab, id: string) => lab.nodes.flatMap((n) => (n.kind === 'netns' ? n.services : [])).find((s) => s.id === id)?.stopMs ?? 2000;

/**
 * Back to the old topology from wherever the change stopped: the change
 * plan from new to old, each step taking "already there" or "already gone"
 * as done (some of the forward steps never ran), then the old services.
 */
async function rollBack(from: Lab, to: Lab, records: ServiceRecord[], started: ServiceRecord[], runner: Runner, stateDir: string, opts: ApplyOptions): Promise<{ failures: StepFailure[]; records: ServiceRecord[] }> {
  const dirs = labDirs(stateDir, from.name);
  // Services the change started are not the old lab's: they stop first.
  for (const r of started) await stopService(r, serviceStopMs(to, r.id));
  const back = changePlan(to, from, { runDir: dirs.run });
  const tolerant = (p: Plan): Plan => ({ ...p, steps: p.steps.map((s) => ({ ...s, ifAbsent: 'ok', ifExists: 'ok' })) });
  const failures: StepFailure[] = [];
  await stopProcessesIn(namespacesDeleted(back.remove));
  await prepareNodeFiles(from, [back.edit, back.create], dirs);
  for (const plan of [back.remove, back.edit, back.create]) {
    if (plan.steps.length === 0) continue;
    const out = await executePlan(tolerant(plan), runner, { concurrency: opts.concurrency, onProgress: (e) => opts.onProgress?.({ ...e, phase: 'rollback' }) });
    failures.push(...out.failures);
  }
  // The old lab's services that the change stopped (or whose node it rebuilt) start again.
  const restart = new Set(back.services.start.map((s) => s.id));
  let fresh: ServiceRecord[] = [];
  const again = await startAll(withServices(from, restart), dirs, runner, (r) => (fresh = r), opts);
  if (!again.ok) failures.push(again.failure);
  return { failures, records: [...records.filter((r) => !restart.has(r.id)), ...fresh] };
}

function nextState(state: LabState, to: Lab, services: ServiceRecord[], stateDir: string, edited?: boolean): LabState {
  const fresh = stateOf(to, 'up', hashOf(creationPlan(to, undefined, { runDir: labDirs(stateDir, to.name).run })));
  return {
    ...fresh,
    createdAt: state.createdAt,
    ...(fresh.topology ? { topology: { ...fresh.topology, ...(edited ? { edited: true } : {}) } } : {}),
    ...(services.length ? { services } : {}),
  };
}

/** `apply` failed; the lab was put back as it was (or the rollback's own failures are listed). */
export class ApplyError extends NslabError {
  readonly exitCode = ExitCode.deployFailed;
  constructor(
    readonly lab: string,
    readonly failure: StepFailure | undefined,
    readonly rollbackFailures: StepFailure[],
  ) {
    super(failure ? `apply to lab ${lab} failed at step ${failure.step.id} (${failure.step.why})` : `apply to lab ${lab} failed`);
    this.name = 'ApplyError';
  }

  format(sourceText?: string): string {
    const deploy = new DeployError(this.lab, this.failure, 'failed', this.rollbackFailures).format(sourceText).split('\n');
    deploy[0] = `nslab: ${this.message}`;
    const last = this.rollbackFailures.length === 0 ? `rolled back: lab ${this.lab} is as it was before the apply.` : undefined;
    return (last ? [...deploy.slice(0, -1), last] : deploy).join('\n');
  }
}
