/**
 * One run of a lab's checks, as reports see it: the checks plus deploy and
 * teardown as their own results, so CI can tell an infrastructure failure
 * from a network failure. A run that stopped before building anything
 * (a bad topology, a missing tool) has an `error` result saying why, and
 * its checks are skipped with that reason.
 */
import type { CheckResult } from '../checks/result.js';

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
  teardown?: CheckResult;
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

/** Nothing failed and nothing broke. Skips alone do not fail a suite; whatever caused them is itself an error. */
export function suiteOk(r: SuiteReport): boolean {
  return allResults(r).every((c) => c.status === 'pass' || c.status === 'skip');
}
