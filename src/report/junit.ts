/**
 * JUnit XML in the shape Jenkins, GitLab and GitHub test reporters read:
 * one testsuite per lab, one testcase per check plus `deploy` and
 * `teardown` (or the one phase that stopped a run before it built
 * anything); a failure's message states measured vs expected; `file` and
 * `line` point at the check in the topology (GitLab and
 * action-junit-report link them); system-out holds the commands and what
 * the tools printed, system-err what they printed on stderr; checks that
 * never ran are `<skipped>` with the reason. Written directly rather than
 * through tap-junit, which has no place for properties, per-test output or
 * timings.
 */
import type { CheckResult } from '../checks/result.js';
import type { ScenarioResult } from '../scenarios/run.js';
import { allResults, counts, scenarioCounts, totalCounts, type SuiteReport } from './suite.js';
import { attrs, escapeXml } from './xml.js';

const secs = (ms: number) => (ms / 1000).toFixed(3);
/** Jenkins' schema wants a timestamp without zone or fraction. */
const timestamp = (iso: string) => iso.replace(/\.\d+Z$|Z$/, '');
const PHASES = new Set(['topology', 'options', 'preflight', 'deploy', 'teardown', 'internal']);

function testcase(lab: string, c: CheckResult, classBase = `nslab.${lab}`): string {
  const classname = PHASES.has(c.kind) ? `${classBase}.infrastructure` : `${classBase}.${c.kind}`;
  const out: string[] = [`    <testcase${attrs({ name: c.name, classname, time: secs(c.ms), file: c.loc?.file, line: c.loc?.line })}>`];
  const detail = [
    ...c.measurements.map((m) => `${m.name}: ${m.value}${m.expected ? ` (expected ${m.expected})` : ''}${m.ok === false ? '  ✗' : ''}`),
    ...(c.failedPairs?.length ? ['unreachable pairs:', ...c.failedPairs.map((p) => `  ${p}`)] : []),
  ].join('\n');
  if (c.status === 'fail') out.push(`      <failure${attrs({ message: c.message, type: c.expect === 'fail' ? 'unexpected-pass' : 'threshold' })}>${escapeXml(detail)}</failure>`);
  if (c.status === 'error') out.push(`      <error${attrs({ message: c.message, type: c.kind === 'deploy' || c.kind === 'teardown' ? c.kind : PHASES.has(c.kind) ? c.kind : 'error' })}>${escapeXml(detail)}</error>`);
  if (c.status === 'skip') out.push(`      <skipped${attrs({ message: c.skipReason ?? c.message })}/>`);
  const sysout = [
    ...(c.loc ? [`topology: ${c.loc.file}:${c.loc.line}:${c.loc.col}`] : []),
    `expect: ${c.expect}`,
    ...c.commands.map((cmd) => `$ ${cmd}`),
    c.output.trimEnd(),
    // A failing check's files (a capture) as attachments: Jenkins and GitLab read this convention.
    ...(c.status === 'fail' || c.status === 'error' ? (c.attachments ?? []).map((a) => `[[ATTACHMENT|${a}]]`) : []),
  ].filter(Boolean).join('\n');
  out.push(`      <system-out>${escapeXml(sysout)}</system-out>`);
  if (c.stderr.trim()) out.push(`      <system-err>${escapeXml(c.stderr.trimEnd())}</system-err>`);
  out.push('    </testcase>');
  return out.join('\n');
}

function testsuite(r: SuiteReport, id: number): string[] {
  const n = counts(r);
  return [
    `  <testsuite${attrs({ name: r.lab, tests: n.tests, failures: n.failures, errors: n.errors, skipped: n.skipped, time: secs(r.ms), timestamp: timestamp(r.startedAt), hostname: r.hostname, id, package: 'nslab' })}>`,
    '    <properties>',
    ...Object.entries(r.properties).map(([k, v]) => `      <property${attrs({ name: k, value: v })}/>`),
    '    </properties>',
    ...allResults(r).map((c) => testcase(r.lab, c)),
    '  </testsuite>',
  ];
}

/**
 * A scenario is a testsuite of its own (`lab/scenario`), each step a
 * testcase; what the watches measured are properties (the outage in ms),
 * the timeline its system-out.
 */
function scenarioSuite(r: SuiteReport, s: ScenarioResult, id: number): string[] {
  const n = scenarioCounts(s);
  const name = `${r.lab}/${s.name}`;
  const props = s.steps.filter((x) => x.kind === 'watch').flatMap((w) => Object.entries(w.metrics).filter(([k]) => k === 'outage_ms' || k === 'loss_pct').map(([k, v]) => [`${w.name}.${k}`, String(v)]));
  const timeline = s.timeline.map((e) => `${(e.at_ms / 1000).toFixed(3).padStart(8)} s  ${e.event.padEnd(7)} ${e.step}${e.status ? ` (${e.status})` : ''}`).join('\n');
  return [
    `  <testsuite${attrs({ name, tests: n.tests, failures: n.failures, errors: n.errors, skipped: n.skipped, time: secs(s.ms), timestamp: timestamp(s.startedAt), hostname: r.hostname, id, package: 'nslab' })}>`,
    '    <properties>',
    ...[['scenario', s.name], ['topology.file', r.file ?? ''], ...props].map(([k, v]) => `      <property${attrs({ name: k, value: v })}/>`),
    '    </properties>',
    ...s.steps.map((c) => testcase(r.lab, c, `nslab.${r.lab}.scenario.${s.name}`)),
    `    <system-out>${escapeXml(`timeline (s since the scenario started):\n${timeline}`)}</system-out>`,
    '  </testsuite>',
  ];
}

/** One document for one or more labs' runs: a testsuite each, and one per scenario. */
export function toJUnit(reports: SuiteReport | readonly SuiteReport[]): string {
  const suites = Array.isArray(reports) ? (reports as readonly SuiteReport[]) : [reports as SuiteReport];
  const total = totalCounts(suites);
  const ms = suites.reduce((a, s) => a + s.ms, 0);
  let id = 0;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({ name: 'nslab', tests: total.tests, failures: total.failures, errors: total.errors, skipped: total.skipped, time: secs(ms) })}>`,
    ...suites.flatMap((s) => [...testsuite(s, id++), ...(s.scenarios ?? []).flatMap((sc) => scenarioSuite(s, sc, id++))]),
    '</testsuites>',
    '',
  ].join('\n');
}
