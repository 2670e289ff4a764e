/**
 * A test session: the checks of a running lab (`test`), or the whole CI
 * cycle (`run`): up, wait until traffic flows, checks, and down whatever
 * happened — a failed check, a failed deploy, an interrupt.
 */
import { hostname, release } from 'node:os';
import { down } from '../exec/down.js';
import { DeployError } from '../exec/errors.js';
import type { LifecycleOptions } from '../exec/options.js';
import { waitReady } from '../exec/ready.js';
import { SpawnRunner, type Runner } from '../exec/runner.js';
import { up } from '../exec/up.js';
import type { Lab } from '../topology/model.js';
import type { SuiteReport } from '../report/suite.js';
import type { CheckResult } from './result.js';
import { runChecks } from './run.js';

export interface SessionOptions {
  runner?: Runner;
  only?: string[];
  signal?: AbortSignal;
  /** each result as it is known; for `run` also deploy (first) and teardown (last) */
  onResult?: (r: CheckResult) => void;
  /** progress of up/down */
  lifecycle?: Pick<LifecycleOptions, 'onProgress' | 'concurrency'>;
  version?: string;
}

async function properties(lab: Lab, runner: Runner, version?: string): Promise<Record<string, string>> {
  const ip = await runner.run({ argv: ['ip', '-V'] }).catch(() => undefined);
  return {
    'nslab.version': version ?? 'unknown',
    'topology.file': lab.file,
    'kernel.release': release(),
    'iproute2.version': ip?.stdout.trim() || 'unknown',
  };
}

function infra(name: 'deploy' | 'teardown', ok: boolean, message: string, startedAt: Date, ms: number, output = ''): CheckResult {
  return { name, kind: name, status: ok ? 'pass' : 'error', expect: 'pass', message, measurements: [], commands: [], output, startedAt: startedAt.toISOString(), ms };
}

/** The checks of a lab that is already up. */
export async function testLab(lab: Lab, opts: SessionOptions = {}): Promise<SuiteReport> {
  const runner = opts.runner ?? new SpawnRunner();
  const started = new Date();
  const t0 = performance.now();
  await waitReady(lab, runner);
  const checks = await runChecks(lab, { runner, only: opts.only, onResult: opts.onResult });
  return { lab: lab.name, file: lab.file, startedAt: started.toISOString(), ms: performance.now() - t0, hostname: hostname(), properties: await properties(lab, runner, opts.version), checks };
}

/**
 * up → checks → down. Once `up` has started building, down always runs and
 * its own result is part of the report. A refused `up` (the lab exists, the
 * lock is held, a tool is missing) builds nothing and tears nothing down:
 * the lab it collided with is not ours to remove.
 */
export async function runLab(lab: Lab, opts: SessionOptions = {}): Promise<SuiteReport> {
  const runner = opts.runner ?? new SpawnRunner();
  const started = new Date();
  const t0 = performance.now();
  const report: SuiteReport = { lab: lab.name, file: lab.file, startedAt: started.toISOString(), ms: 0, hostname: hostname(), properties: await properties(lab, runner, opts.version), checks: [] };
  let upResult: Awaited<ReturnType<typeof up>> | undefined;
  try {
    upResult = await up(lab, { ...opts.lifecycle, signal: opts.signal });
  } catch (e) {
    if (!(e instanceof DeployError)) throw e;
    report.deploy = infra('deploy', false, e.message, started, performance.now() - t0, e.format());
    opts.onResult?.(report.deploy);
  }
  try {
    if (upResult) {
      const ready = await waitReady(lab, runner);
      report.deploy = infra('deploy', true, `${upResult.plan.steps.length} steps in ${upResult.outcome.processes} processes; traffic flowing after ${Math.round(ready.ms)} ms${ready.ready ? '' : ' (some interfaces never became ready)'}`, started, performance.now() - t0);
      opts.onResult?.(report.deploy);
      if (!opts.signal?.aborted) report.checks = await runChecks(lab, { runner, only: opts.only, onResult: opts.onResult, signal: opts.signal });
    }
  } finally {
    const s = new Date();
    const t1 = performance.now();
    try {
      const r = await down(lab.name, opts.lifecycle);
      report.teardown = infra('teardown', true, r.wasRunning ? `removed ${r.removed.namespaces.length} namespaces` : 'nothing left to remove', s, performance.now() - t1);
    } catch (e) {
      report.teardown = infra('teardown', false, (e as Error).message, s, performance.now() - t1);
    }
    opts.onResult?.(report.teardown);
  }
  report.ms = performance.now() - t0;
  return report;
}
