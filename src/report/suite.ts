/**
 * One run of a lab's checks, as reports see it: the checks plus deploy and
 * teardown as their own results, so CI can tell an infrastructure failure
 * from a network failure. A run that stopped before building anything
 * (a bad topology, a missing tool) has an `error` result saying why, and
 * its checks are skipped with that reason.
 */
import type { CheckResult } from '../checks/result.js';
import type { ScenarioResult } from '../scenarios/run.js';

export interface SuiteReport {
  lab: string;
  file?: string;
  startedAt: string;
  ms: number;
  hostname: string;
  /** kernel, iproute2 version, topology file, nslab version… */
  properties: Record<string, string>;
  /** the run stopped before it built anything: why (kind topology, options, preflight or internal) */
  error?: CheckResult;
  deploy?: CheckResult;
  checks: CheckResult[];
  /** scenarios, after the checks: each its steps and timeline */
  scenarios?: ScenarioResult[];
  teardown?: CheckResult;
  /** --keep-on-fail left the lab up (a check failed) */
  keptUp?: boolean;
}

export function allResults(r: SuiteReport): CheckResult[] {
  return [...(r.error ? [r.error] : []), ...(r.deploy ? [r.deploy] : []), ...r.checks, ...(r.teardown ? [r.teardown] : [])];
}

export interface Counts {
  tests: number;
  passed: number;
  failures: number;
  errors: number;
  skipped: number;
}

export function counts(r: SuiteReport): Counts {
  const all = allResults(r);
  const n = (s: CheckResult['status']) => all.filter((c) => c.status === s).length;
  return { tests: all.length, passed: n('pass'), failures: n('fail'), errors: n('error'), skipped: n('skip') };
}

const fine = (c: CheckResult) => c.status === 'pass' || c.status === 'skip';

/** Nothing failed and nothing broke, scenarios included. Skips alone do not fail a suite; whatever caused them is itself an error. */
export function suiteOk(r: SuiteReport): boolean {
  return allResults(r).every(fine) && (r.scenarios ?? []).every((s) => fine(s) && s.steps.every(fine));
}

/** A scenario's steps counted like a suite's results. */
export function scenarioCounts(s: ScenarioResult): Counts {
  const n = (st: CheckResult['status']) => s.steps.filter((c) => c.status === st).length;
  return { tests: s.steps.length, passed: n('pass'), failures: n('fail'), errors: n('error'), skipped: n('skip') };
}

export function addCounts(a: Counts, b: Counts): Counts {
  return { tests: a.tests + b.tests, passed: a.passed + b.passed, failures: a.failures + b.failures, errors: a.errors + b.errors, skipped: a.skipped + b.skipped };
}

/** Every suite and scenario of a run, counted together. */
export function totalCounts(suites: readonly SuiteReport[]): Counts {
  return suites.flatMap((s) => [counts(s), ...(s.scenarios ?? []).map(scenarioCounts)]).reduce(addCounts, { tests: 0, passed: 0, failures: 0, errors: 0, skipped: 0 });
}
