/**
 * One run of a lab's checks, as reports see it: the checks plus deploy and
 * teardown as their own results, so CI can tell an infrastructure failure
 * from a network failure.
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
  deploy?: CheckResult;
  checks: CheckResult[];
  teardown?: CheckResult;
}

export function allResults(r: SuiteReport): CheckResult[] {
  return [...(r.deploy ? [r.deploy] : []), ...r.checks, ...(r.teardown ? [r.teardown] : [])];
}

export function counts(r: SuiteReport) {
  const all = allResults(r);
  return {
    tests: all.length,
    passed: all.filter((c) => c.status === 'pass').length,
    failures: all.filter((c) => c.status === 'fail').length,
    errors: all.filter((c) => c.status === 'error').length,
  };
}

export function suiteOk(r: SuiteReport): boolean {
  return allResults(r).every((c) => c.status === 'pass');
}
