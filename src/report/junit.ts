/**
 * JUnit XML in the shape Jenkins, GitLab and GitHub test reporters read:
 * one testsuite per lab, one testcase per check plus `deploy` and
 * `teardown`; a failure's message states measured vs expected; system-out
 * holds the commands and what the tools printed; properties record the
 * kernel, iproute2 and topology. Written directly rather than through
 * tap-junit, which has no place for properties, per-test output or timings.
 */
import { formatLoc } from '../diagnostics.js';
import type { CheckResult } from '../checks/result.js';
import { allResults, counts, type SuiteReport } from './suite.js';
import { attrs, escapeXml } from './xml.js';

const secs = (ms: number) => (ms / 1000).toFixed(3);
/** Jenkins' schema wants a timestamp without zone or fraction. */
const timestamp = (iso: string) => iso.replace(/\.\d+Z$|Z$/, '');

function testcase(lab: string, c: CheckResult): string {
  const classname = c.kind === 'deploy' || c.kind === 'teardown' ? `nslab.${lab}.infrastructure` : `nslab.${lab}.${c.kind}`;
  const out: string[] = [`    <testcase${attrs({ name: c.name, classname, time: secs(c.ms) })}>`];
  const detail = [
    ...c.measurements.map((m) => `${m.name}: ${m.value}${m.expected ? ` (expected ${m.expected})` : ''}${m.ok === false ? '  ✗' : ''}`),
    ...(c.failedPairs?.length ? ['unreachable pairs:', ...c.failedPairs.map((p) => `  ${p}`)] : []),
  ].join('\n');
  if (c.status === 'fail') out.push(`      <failure${attrs({ message: c.message, type: c.expect === 'fail' ? 'unexpected-pass' : 'threshold' })}>${escapeXml(detail)}</failure>`);
  if (c.status === 'error') out.push(`      <error${attrs({ message: c.message, type: 'error' })}>${escapeXml(detail)}</error>`);
  const sysout = [
    ...(c.loc ? [`topology: ${formatLoc(c.loc)}`] : []),
    `expect: ${c.expect}`,
    ...c.commands.map((cmd) => `$ ${cmd}`),
    c.output.trimEnd(),
  ].filter(Boolean).join('\n');
  out.push(`      <system-out>${escapeXml(sysout)}</system-out>`);
  out.push('    </testcase>');
  return out.join('\n');
}

export function toJUnit(r: SuiteReport): string {
  const n = counts(r);
  const head = { tests: n.tests, failures: n.failures, errors: n.errors, skipped: 0, time: secs(r.ms) };
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({ name: 'nslab', ...head })}>`,
    `  <testsuite${attrs({ name: r.lab, ...head, timestamp: timestamp(r.startedAt), hostname: r.hostname, id: 0, package: 'nslab' })}>`,
    '    <properties>',
    ...Object.entries(r.properties).map(([k, v]) => `      <property${attrs({ name: k, value: v })}/>`),
    '    </properties>',
    ...allResults(r).map((c) => testcase(r.lab, c)),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
