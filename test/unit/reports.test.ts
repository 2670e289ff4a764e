/**
 * Reports: JUnit that CI servers load (validated against the JUnit schema
 * in test/fixtures/junit with xmllint), TAP 14, JSON.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/checks/result.js';
import { toJson } from '../../src/report/json.js';
import { toJUnit } from '../../src/report/junit.js';
import type { SuiteReport } from '../../src/report/suite.js';
import { tapHeader, tapPoint } from '../../src/report/tap.js';
import { FIXTURES } from '../helpers/fixtures.js';

const result = (over: Partial<CheckResult>): CheckResult => ({
  name: 'ping a → b', kind: 'ping', status: 'pass', expect: 'pass', message: 'received 3/3', measurements: [{ name: 'received', value: '3/3', expected: '≥ 1', ok: true }],
  commands: ['ip netns exec l-a ping -c 3 10.0.0.2'], output: '3 packets transmitted, 3 received', startedAt: '2026-11-23T08:00:00.000Z', ms: 412, ...over,
});

const report: SuiteReport = {
  lab: 'l', file: 'topologies/x.yaml', startedAt: '2026-11-23T08:00:00.123Z', ms: 5321, hostname: 'ci-host',
  properties: { 'kernel.release': '6.18', 'iproute2.version': 'ip utility, iproute2-6.1.0', 'topology.file': 'topologies/x.yaml' },
  deploy: result({ name: 'deploy', kind: 'deploy', message: '9 steps', measurements: [], commands: [], output: '' }),
  checks: [
    result({}),
    result({ name: 'mtu a → b size 1500', kind: 'mtu', status: 'fail', message: '1500-byte packet with DF did not pass (expected passes)', output: 'ping: local error: message too long, mtu=1400 <&> "quoted" \u0007bell' }),
    result({ name: 'iperf a → b', kind: 'iperf', status: 'error', message: 'iperf3: unable to connect to server', measurements: [] }),
    result({ name: 'reach among 3 nodes', kind: 'reach', status: 'fail', message: 'pairs reached 4/6', failedPairs: ['a → c (10.0.1.2)', 'b → c (10.0.1.2)'] }),
  ],
  teardown: result({ name: 'teardown', kind: 'teardown', message: 'removed 3 namespaces', measurements: [], commands: [], output: '' }),
};

describe('JUnit XML', () => {
  const xml = toJUnit(report);

  it('validates against the JUnit schema CI servers use', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nslab-junit-'));
    writeFileSync(join(dir, 'r.xml'), xml);
    const r = spawnSync('xmllint', ['--noout', '--schema', join(FIXTURES, 'junit/junit.xsd'), join(dir, 'r.xml')], { encoding: 'utf8' });
    expect(r.error, 'xmllint (Debian: libxml2-utils) is needed for this test').toBeUndefined();
    expect(r.stderr).toContain('validates');
    expect(r.status).toBe(0);
  });
  it('the schema rejects what CI servers would reject (the test can fail)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nslab-junit-'));
    writeFileSync(join(dir, 'bad.xml'), xml.replace('<testcase name="deploy"', '<testcase nome="deploy"'));
    const r = spawnSync('xmllint', ['--noout', '--schema', join(FIXTURES, 'junit/junit.xsd'), join(dir, 'bad.xml')], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
  });
  it('counts tests, failures and errors right, deploy and teardown included', () => {
    expect(xml).toContain('<testsuite name="l" tests="6" failures="2" errors="1" skipped="0" time="5.321" timestamp="2026-11-23T08:00:00" hostname="ci-host"');
    expect(xml.match(/<testcase /g)).toHaveLength(6);
    expect(xml.match(/<failure /g)).toHaveLength(2);
    expect(xml.match(/<error /g)).toHaveLength(1);
  });
  it('keeps infrastructure apart from network checks', () => {
    expect(xml).toContain('<testcase name="deploy" classname="nslab.l.infrastructure"');
    expect(xml).toContain('<testcase name="reach among 3 nodes" classname="nslab.l.reach"');
  });
  it('states measured vs expected, names failing pairs, carries the command and tool output', () => {
    expect(xml).toContain('<failure message="1500-byte packet with DF did not pass (expected passes)" type="threshold">');
    expect(xml).toContain('  a → c (10.0.1.2)');
    expect(xml).toContain('$ ip netns exec l-a ping -c 3 10.0.0.2');
    expect(xml).toContain('mtu=1400 &lt;&amp;&gt; &quot;quoted&quot; bell'); // escaped, control character dropped
  });
  it('records kernel, iproute2 and the topology file as properties', () => {
    expect(xml).toContain('<property name="kernel.release" value="6.18"/>');
    expect(xml).toContain('<property name="topology.file" value="topologies/x.yaml"/>');
  });
});

describe('TAP 14', () => {
  it('plan line, then ok / not ok with a YAML block of what was measured', () => {
    expect(tapHeader(6)).toBe('TAP version 14\n1..6\n');
    const fail = tapPoint(2, report.checks[1]!);
    expect(fail.split('\n')[0]).toBe('not ok 2 - mtu a → b size 1500');
    expect(fail).toContain('  ---\n');
    expect(fail).toContain('  message: "1500-byte packet with DF did not pass (expected passes)"');
    expect(fail).toContain('    - { name: "received", value: "3/3", expected: "≥ 1", ok: true }');
    expect(fail.trimEnd().endsWith('  ...')).toBe(true);
    expect(tapPoint(1, report.checks[0]!).startsWith('ok 1 - ping a → b\n')).toBe(true);
  });
  it('escapes # in names (TAP directives start with #)', () => {
    expect(tapPoint(1, result({ name: 'ping #1' })).split('\n')[0]).toBe('ok 1 - ping \\#1');
  });
});

describe('JSON', () => {
  it('has the verdict, totals and every result', () => {
    const j = JSON.parse(toJson(report));
    expect(j).toMatchObject({ version: 1, lab: 'l', ok: false, summary: { tests: 6, passed: 3, failures: 2, errors: 1 } });
    expect(j.results).toHaveLength(6);
  });
});
