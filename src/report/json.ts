/**
 * The run for machines (`--json`): one style with every other JSON output of
 * nslab (schema/report.json describes it): a `version`, snake_case keys,
 * numbers as numbers with the unit in the key, locations as file:line:col.
 */
import { formatLoc } from '../diagnostics.js';
import type { CheckResult } from '../checks/result.js';
import { jsonText } from './json-style.js';
import { allResults, counts, scenarioCounts, suiteOk, totalCounts, type SuiteReport } from './suite.js';

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
    ...(c.attachments ? { attachments: c.attachments } : {}),
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
    ...(r.scenarios?.length
      ? { scenarios: r.scenarios.map((s) => ({ ...resultJson(s), summary: scenarioCounts(s), steps: s.steps.map(resultJson), timeline: s.timeline })) }
      : {}),
  };
}

/** One document for one or more labs' runs. */
export function toJson(reports: SuiteReport | readonly SuiteReport[]): string {
  const suites = Array.isArray(reports) ? (reports as readonly SuiteReport[]) : [reports as SuiteReport];
  return jsonText({ ok: suites.every(suiteOk), summary: totalCounts(suites), suites: suites.map(suiteJson) });
}
