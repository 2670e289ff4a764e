/**
 * Run a lab's checks against the live lab. Checks that do not measure
 * throughput run in parallel (bounded); throughput checks and checks with
 * their own impairment run one at a time after them, so no figure shares
 * the machine with another and no check sees another's impairment.
 *
 * On abort (SIGTERM, Ctrl-C) running checks are killed at once — their
 * process groups, not just the tool — and reported as errors
 * ("interrupted"); checks not yet started are reported as skipped.
 */
import pLimit from 'p-limit';
import { impairmentFeatures, requireFeatures } from '../exec/doctor.js';
import { requireTools } from '../exec/preflight.js';
import { SpawnRunner, type Runner } from '../exec/runner.js';
import { setImpairment, type ImpairError } from '../impair/apply.js';
import type { Check, Lab } from '../topology/model.js';
import { CheckContext, type Outcome } from './kinds/context.js';
import { kindOf } from './kinds/index.js';
import { skipped, type CheckResult, type Measurement } from './result.js';
import { summarise } from './evaluate.js';
import { selectByName } from './select.js';

export interface CheckOptions {
  runner?: Runner;
  /** `--only` patterns: names, regular expressions, `!` to exclude */
  only?: string[];
  /** checks at once (default 4) */
  concurrency?: number;
  /** called as each check finishes, for live reports */
  onResult?: (r: CheckResult) => void;
  /** stop: kill running checks, skip the rest */
  signal?: AbortSignal;
  /** why the signal was aborted, for the skipped results (default `interrupted`) */
  abortReason?: () => string;
  /** where checks keep files (capture files): `<dir>/<lab>/` (default ./nslab-artifacts) */
  artifactsDir?: string;
}

export function selectChecks(lab: Lab, only?: string[]): Check[] {
  return selectByName(lab.checks, only);
}

/** The tools a set of checks runs (for preflight, before anything is built). */
export function checkTools(checks: readonly Check[]): string[] {
  const impairing = checks.some((c) => (c.impair?.length ?? 0) > 0);
  return [...new Set(['nsenter', ...checks.flatMap((c) => kindOf(c.kind).tools), ...(impairing ? ['tc'] : [])])];
}

/** Everything the checks need from the host, found missing before a lab is built (exit 4). */
export async function preflightChecks(checks: readonly Check[], runner: Runner): Promise<void> {
  requireTools(checkTools(checks));
  if (checks.some((c) => c.impair?.length)) await requireFeatures(runner, impairmentFeatures([], checks), 'nothing was run');
}

export async function runChecks(lab: Lab, opts: CheckOptions = {}): Promise<CheckResult[]> {
  const checks = selectChecks(lab, opts.only);
  const runner = opts.runner ?? new SpawnRunner();
  await preflightChecks(checks, runner);
  const ctx = checkContext(lab, runner, opts);
  const results = new Map<Check, CheckResult>();
  const limit = pLimit(opts.concurrency ?? 4);
  const finish = (c: Check, r: CheckResult) => {
    results.set(c, r);
    opts.onResult?.(r);
  };
  const go = async (c: Check) => {
    if (opts.signal?.aborted) return finish(c, skipped(c, opts.abortReason?.() ?? 'interrupted'));
    finish(c, await runOne(c, ctx));
  };
  const alone = (c: Check) => kindOf(c.kind).alone === true || (c.impair?.length ?? 0) > 0;
  await Promise.all(checks.filter((c) => !alone(c)).map((c) => limit(() => go(c))));
  for (const c of checks.filter(alone)) await go(c);
  return checks.map((c) => results.get(c)!);
}

/** A context whose runCheck is this scheduler's (a capture runs its inner check with it). */
export function checkContext(lab: Lab, runner: Runner, opts: Pick<CheckOptions, 'signal' | 'artifactsDir'> = {}): CheckContext {
  const ctx = new CheckContext(lab, runner, { signal: opts.signal, artifactsDir: opts.artifactsDir });
  ctx.runCheck = (c) => runOne(c, ctx);
  return ctx;
}

/** Between the tries of a `within:` check. */
const RETRY_MS = 200;

/**
 * A check with `within:`: tried until it passes or the time is up. The
 * result says how long it took to pass — a convergence time — or that it
 * never did, with the last try's findings.
 */
async function measure(check: Check, ctx: CheckContext): Promise<Outcome> {
  const run = () => kindOf(check.kind).run(check as never, ctx);
  if (check.withinMs === undefined) return run();
  const t0 = performance.now();
  for (let tries = 1; ; tries++) {
    const o = await run();
    const ms = performance.now() - t0;
    const passed = o.status === 'pass';
    if (passed || o.status === 'error' || ms >= check.withinMs || ctx.signal?.aborted) {
      const took: Measurement = passed
        ? { name: 'passed after', value: `${(ms / 1000).toFixed(2)} s (${tries} ${tries === 1 ? 'try' : 'tries'})`, expected: `≤ ${check.withinMs / 1000} s`, ok: true }
        : { name: 'passed after', value: `never, in ${(ms / 1000).toFixed(2)} s (${tries} tries)`, expected: `≤ ${check.withinMs / 1000} s`, ok: false };
      return { ...o, message: `${summarise([took])}; ${o.message}`, measurements: [took, ...o.measurements], metrics: { ...o.metrics, ...(passed ? { converged_ms: Math.round(ms) } : {}), tries } };
    }
    await new Promise((r) => setTimeout(r, RETRY_MS));
  }
}

/** One check: its own impairments on, the measurement, the topology's impairments back whatever happened. */
async function runOne(check: Check, ctx: CheckContext): Promise<CheckResult> {
  const started = new Date();
  const t0 = performance.now();
  const impairCommands: string[] = [];
  let outcome: Outcome;
  try {
    for (const i of check.impair ?? []) impairCommands.push(...(await setImpairment(ctx.runner, i, i.spec)));
    const o = await measure(check, ctx);
    outcome = { ...o, commands: [...impairCommands, ...o.commands] };
  } catch (e) {
    outcome = { status: 'error', message: (e as Error).message, measurements: [], metrics: {}, commands: [...impairCommands, ...((e as ImpairError).commands ?? [])], output: '', stderr: '' };
  }
  // Put back what the topology declared, whatever happened; a link left
  // impaired would fail every later check for the wrong reason.
  for (const i of check.impair ?? []) {
    try {
      outcome.commands.push(...(await setImpairment(ctx.runner, i, i.restore)));
    } catch (e) {
      outcome = { ...outcome, status: 'error', message: `could not restore ${i.node}:${i.ifname} after the check: ${(e as Error).message}` };
    }
  }
  return { name: check.name, kind: check.kind, expect: check.expect, loc: check.loc, startedAt: started.toISOString(), ...outcome, ms: performance.now() - t0 };
}
