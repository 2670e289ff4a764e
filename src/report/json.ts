/**
 * The run for machines (`--json`): one style with every other JSON output of
 * nslab (schema/report.json describes it): a `version`, snake_case keys,
 * numbers as numbers with the unit in the key, locations as file:line:col.
 */
import { formatLoc } from '../diagnostics.js';
import type { CheckResult } from '../checks/result.js';
import { jsonText } from './json-style.js';
import { allResults, counts, suiteOk, type SuiteReport } from './suite.js';

function resultJson(c: CheckResult) {
  return {
    name: c.name,
    kind: c.kind,
    status: c.status,
    expect: c.expect,
    message: c.message,
    ...(c.skipReason ? { skip_reason: c.skipReason } : {}),
    metrics: c.metrics,
    measurements: c.measurements,
    ...(c.failedPairs ? { failed_pairs: c.failedPairs } : {}),
    commands: c.commands,
    stdout: c.output,
    stderr: c.stderr,
    started_at: c.startedAt,
    duration_ms: Math.round(c.ms),
    ...(c.loc ? { loc: formatLoc(c.loc) } : {}),
  };
}

export function suiteJson(r: SuiteReport) {
  return {
    lab: r.lab,
    ...(r.file ? { file: r.file } : {}),
    ok: suiteOk(r),
    started_at: r.startedAt,
    duration_ms: Math.round(r.ms),
    hostname: r.hostname,
    properties: r.properties,
    summary: counts(r),
    results: allResults(r).map(resultJson),
  };
}

/** One document for one or more labs' runs. */
export function toJson(reports: SuiteReport | readonly SuiteReport[]): string {
  const suites = Array.isArray(reports) ? (reports as readonly SuiteReport[]) : [reports as SuiteReport];
  const all = suites.map(counts);
  const summary = all.reduce((a, b) => ({ tests: a.tests + b.tests, passed: a.passed + b.passed, failures: a.failures + b.failures, errors: a.errors + b.errors, skipped: a.skipped + b.skipped }), { tests: 0, passed: 0, failures: 0, errors: 0, skipped: 0 });
  return jsonText({ ok: suites.every(suiteOk), summary, suites: suites.map(suiteJson) });
}
