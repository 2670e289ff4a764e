/**
 * A test session: the checks of a running lab (`test`), or the whole CI
 * cycle (`run`): preflight, up, wait until traffic flows, checks, and down
 * whatever happened — a failed check, a failed deploy, an interrupt.
 */
import { hostname, release } from 'node:os';
import { creationPlan } from '../compile/create.js';
import { NslabError } from '../diagnostics.js';
import { labFeatures, requireFeatures } from '../exec/doctor.js';
import { down } from '../exec/down.js';
import { DeployError } from '../exec/errors.js';
import { requireRoot, requireTools, toolsOf } from '../exec/preflight.js';
import type { LifecycleOptions } from '../exec/options.js';
import { waitReady } from '../exec/ready.js';
import { SpawnRunner, type Runner } from '../exec/runner.js';
import { loadInProcess } from '../netlink/native.js';
import { up } from '../exec/up.js';
import { refuseHostClashes } from '../exec/host-clash.js';
import type { Check, Lab, Scenario, Service } from '../topology/model.js';
import { runScenario, type ScenarioResult } from '../scenarios/run.js';
import { serviceResultName, serviceResults } from '../services/report.js';
import { readState } from '../exec/state.js';
import { suiteOk, type SuiteReport } from '../report/suite.js';
import { phaseResult, skipped, type CheckResult } from '../checks/result.js';
import { preflightChecks, runChecks } from '../checks/run.js';

export interface SessionOptions {
  runner?: Runner;
  /** `--only` patterns */
  only?: string[];
  /** stops the session: running checks are killed, the rest skipped, the lab torn down */
  signal?: AbortSignal;
  /** why the signal fired, e.g. `interrupted by SIGTERM` */
  abortReason?: () => string;
  /** each result as it is known; for `run` also deploy (first) and teardown (last) */
  onResult?: (r: CheckResult) => void;
  /** progress of up/down */
  lifecycle?: Pick<LifecycleOptions, 'onProgress' | 'concurrency'>;
  version?: string;
  /** scenarios to run after the checks (default none) */
  scenarios?: Scenario[];
  /** each step of a scenario as it finishes (the scenario itself comes through onResult) */
  onStep?: (scenario: string, r: CheckResult) => void;
  /** where checks keep files (captures) */
  artifactsDir?: string;
  /** leave the lab up when a check or scenario failed (not when it passed, nor after a failed deploy) */
  keepOnFail?: boolean;
}

export async function properties(lab: Pick<Lab, 'file'>, runner: Runner, version?: string): Promise<Record<string, string>> {
  const ip = await runner.run({ argv: ['ip', '-V'] }).catch(() => undefined);
  return {
    'nslab.version': version ?? 'unknown',
    'topology.file': lab.file,
    'kernel.release': release(),
    'iproute2.version': ip?.stdout.trim() || 'unknown',
  };
}

export function emptyReport(lab: Pick<Lab, 'name' | 'file'>, props: Record<string, string>, started = new Date()): SuiteReport {
  return { lab: lab.name, file: lab.file, startedAt: started.toISOString(), ms: 0, hostname: hostname(), properties: props, checks: [] };
}

/** The checks of a lab that is already up. */
export async function testLab(lab: Lab, checks: Check[], opts: SessionOptions = {}): Promise<SuiteReport> {
  const runner = opts.runner ?? new SpawnRunner();
  const t0 = performance.now();
  const report = emptyReport(lab, await properties(lab, runner, opts.version));
  await waitReady(lab, runner, { signal: opts.signal, inProcess: inProcessFor(opts) });
  report.checks = await runChecks({ ...lab, checks }, { runner, onResult: opts.onResult, signal: opts.signal, abortReason: opts.abortReason, artifactsDir: opts.artifactsDir });
  report.scenarios = await runScenarios(lab, runner, opts);
  report.checks.push(...serviceResults(servicesOf(lab), readState(lab.name)?.services ?? []).map((r) => (opts.onResult?.(r), r)));
  report.ms = performance.now() - t0;
  return report;
}

/** The selected scenarios, one after another (each changes the lab, and puts it back). */
async function runScenarios(lab: Lab, runner: Runner, opts: SessionOptions): Promise<ScenarioResult[]> {
  const out: ScenarioResult[] = [];
  for (const s of opts.scenarios ?? []) {
    const r = opts.signal?.aborted
      ? ({ ...skipped({ name: s.name, kind: 'scenario', loc: s.loc }, opts.abortReason?.() ?? 'interrupted'), kind: 'scenario', steps: [], timeline: [] } as ScenarioResult)
      : await runScenario(lab, s, { runner, signal: opts.signal, artifactsDir: opts.artifactsDir, onStep: (step) => opts.onStep?.(s.name, step) });
    opts.onResult?.(r);
    out.push(r);
  }
  return out;
}

export const servicesOf = (lab: Lab): Service[] => lab.nodes.flatMap((n) => (n.kind === 'netns' ? n.services : []));

/** In process only with the real runner: a recording one (the tests) must see every command. */
const inProcessFor = (opts: SessionOptions) => (opts.runner ? undefined : loadInProcess());

/**
 * Everything a run needs from the host — root, the tools of the plan and of
 * the checks, the kernel features of the impairments — found missing before
 * anything is built (an EnvironmentError, exit 4), not halfway through.
 */
export async function preflightRun(lab: Lab, checks: readonly Check[], runner: Runner = new SpawnRunner()): Promise<void> {
  requireRoot('nslab run', 'it creates network namespaces');
  requireTools([...toolsOf(creationPlan(lab)), 'setpriv', 'bash']);
  await requireFeatures(runner, new Set([...labFeatures({ ...lab, checks: [...checks] })]), 'nothing was built');
  await preflightChecks(checks, runner);
  await refuseHostClashes(lab, runner);
}

/**
 * up → checks → down, on a host that passed preflightRun. Once `up` has
 * started building, down always runs and its own result is part of the
 * report. A refused `up` (the lab exists, the lock is held) is the deploy's
 * error; it builds nothing and tears nothing down: the lab it collided with
 * is not ours to remove.
 */
export async function runLab(lab: Lab, checks: Check[], opts: SessionOptions = {}): Promise<SuiteReport> {
  const runner = opts.runner ?? new SpawnRunner();
  const t0 = performance.now();
  const report = emptyReport(lab, await properties(lab, runner, opts.version));
  const emit = (r: CheckResult) => (opts.onResult?.(r), r);
  const skipAll = (reason: string) => (report.checks = checks.map((c) => emit(skipped(c, reason))));
  let built: Awaited<ReturnType<typeof up>> | undefined;
  try {
    built = await up(lab, { ...opts.lifecycle, signal: opts.signal });
  } catch (e) {
    if (!(e instanceof NslabError)) throw e;
    const refused = !(e instanceof DeployError);
    report.deploy = emit(phaseResult('deploy', false, e.message, new Date(report.startedAt), performance.now() - t0, { stderr: e instanceof DeployError ? e.format() : e.hint ?? '' }));
    skipAll(e instanceof DeployError && e.reason === 'was interrupted' ? opts.abortReason?.() ?? 'interrupted' : refused ? 'the deploy was refused' : 'the deploy failed');
    report.checks.push(...servicesOf(lab).map((s) => emit(skipped({ name: serviceResultName(s.id), kind: 'service', loc: s.loc }, 'the deploy failed'))));
    report.scenarios = (opts.scenarios ?? []).map((s) => ({ ...skipped({ name: s.name, kind: 'scenario', loc: s.loc }, 'the deploy failed'), kind: 'scenario', steps: [], timeline: [] }) as ScenarioResult);
    for (const s of report.scenarios) emit(s);
    if (refused) report.teardown = emit(skipped({ name: 'teardown', kind: 'teardown' }, 'nothing was built; the lab that is there is not this run\'s to remove'));
  }
  try {
    if (built) {
      const ready = await waitReady(lab, runner, { signal: opts.signal, inProcess: inProcessFor(opts) });
      const how = `${built.plan.steps.length} steps in ${built.outcome.processes} processes; traffic flowing after ${Math.round(ready.ms)} ms${ready.ready ? '' : ' (some interfaces never became ready)'}`;
      report.deploy = emit(phaseResult('deploy', true, how, new Date(report.startedAt), performance.now() - t0, { metrics: { steps: built.plan.steps.length, processes: built.outcome.processes, ready_ms: Math.round(ready.ms) } }));
      report.checks = await runChecks({ ...lab, checks }, { runner, onResult: opts.onResult, signal: opts.signal, abortReason: opts.abortReason, artifactsDir: opts.artifactsDir });
      report.scenarios = await runScenarios(lab, runner, opts);
      report.checks.push(...serviceResults(servicesOf(lab), readState(lab.name)?.services ?? built.services).map(emit));
    }
  } finally {
    if (built && opts.keepOnFail && !opts.signal?.aborted && !suiteOk(report)) {
      report.keptUp = true;
      report.teardown = emit(skipped({ name: 'teardown', kind: 'teardown' }, 'kept up for inspection (--keep-on-fail): a check failed'));
    } else if (built) report.teardown = emit(await teardown(lab, opts));
  }
  report.ms = performance.now() - t0;
  return report;
}

async function teardown(lab: Lab, opts: SessionOptions): Promise<CheckResult> {
  const s = new Date();
  const t1 = performance.now();
  try {
    const r = await down(lab.name, opts.lifecycle);
    const procs = r.processesStopped ? `; stopped ${r.processesStopped} processes running in it (services and anything else)` : '';
    return phaseResult('teardown', true, r.wasRunning ? `removed ${r.removed.namespaces.length} namespaces${procs}` : 'nothing left to remove', s, performance.now() - t1, { metrics: { namespaces: r.removed.namespaces.length, processes_stopped: r.processesStopped } });
  } catch (e) {
    return phaseResult('teardown', false, (e as Error).message, s, performance.now() - t1);
  }
}
