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
import { allResults, counts, scenarioCounts, suiteOk, type SuiteReport } from '../../src/report/suite.js';
import { TapOrder, tapBailOut, tapHeader, tapPoint } from '../../src/report/tap.js';
import { golden } from '../helpers/golden.js';
import { skipped } from '../../src/checks/result.js';
import { FIXTURES } from '../helpers/fixtures.js';

const result = (over: Partial<CheckResult>): CheckResult => ({
  name: 'ping a -> b', kind: 'ping', status: 'pass', expect: 'pass', message: 'received 3/3', measurements: [{ name: 'received', value: '3/3', expected: '≥ 1', ok: true }],
  metrics: { received: 3, transmitted: 3, rtt_avg_ms: 0.05 }, commands: ['ip netns exec l-a ping -c 3 10.0.0.2'], output: '3 packets transmitted, 3 received', stderr: '',
  startedAt: '2026-11-23T08:00:00.000Z', ms: 412, loc: { file: 'topologies/x.yaml', line: 12, col: 5 }, ...over,
});

const report: SuiteReport = {
  lab: 'l', file: 'topologies/x.yaml', startedAt: '2026-11-23T08:00:00.123Z', ms: 5321, hostname: 'ci-host',
  properties: { 'kernel.release': '6.18', 'iproute2.version': 'ip utility, iproute2-6.1.0', 'topology.file': 'topologies/x.yaml' },
  deploy: result({ name: 'deploy', kind: 'deploy', message: '9 steps', measurements: [], commands: [], output: '' }),
  checks: [
    result({}),
    result({ name: 'mtu a -> b size 1500', kind: 'mtu', status: 'fail', message: '1500-byte packet with DF did not pass (expected passes)', output: '', stderr: 'ping: local error: message too long, mtu=1400 <&> "quoted" \u0007bell' }),
    result({ name: 'iperf a -> b', kind: 'iperf', status: 'error', message: 'iperf3: unable to connect to server', measurements: [] }),
    result({ name: 'reach among 3 nodes', kind: 'reach', status: 'fail', message: 'pairs reached 4/6', failedPairs: ['a -> c (10.0.1.2)', 'b -> c (10.0.1.2)'] }),
  ],
  teardown: result({ name: 'teardown', kind: 'teardown', message: 'removed 3 namespaces', measurements: [], commands: [], output: '' }),
};

const interrupted = (): SuiteReport => ({
  ...report,
  checks: [report.checks[0]!, skipped({ name: 'mtu a -> b size 1500', kind: 'mtu', loc: { file: 'topologies/x.yaml', line: 13, col: 5 } }, 'interrupted by SIGTERM')],
});

describe('JUnit XML', () => {
  // Rendered inside each test: mutation testing cannot see describe bodies.
  const junit = () => toJUnit(report);

  it('validates against the JUnit schema CI servers use', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nslab-junit-'));
    writeFileSync(join(dir, 'r.xml'), junit());
    const r = spawnSync('xmllint', ['--noout', '--schema', join(FIXTURES, 'junit/junit.xsd'), join(dir, 'r.xml')], { encoding: 'utf8' });
    expect(r.error, 'xmllint (Debian: libxml2-utils) is needed for this test').toBeUndefined();
    expect(r.stderr).toContain('validates');
    expect(r.status).toBe(0);
  });
  it('the schema rejects what CI servers would reject (the test can fail)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nslab-junit-'));
    writeFileSync(join(dir, 'bad.xml'), junit().replace('<testcase name="deploy"', '<testcase nome="deploy"'));
    const r = spawnSync('xmllint', ['--noout', '--schema', join(FIXTURES, 'junit/junit.xsd'), join(dir, 'bad.xml')], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
  });
  it('counts tests, failures and errors right, deploy and teardown included', () => {
    expect(junit()).toContain('<testsuite name="l" tests="6" failures="2" errors="1" skipped="0" time="5.321" timestamp="2026-11-23T08:00:00" hostname="ci-host"');
    expect(junit()).toContain('<testsuites name="nslab" tests="6" failures="2" errors="1" skipped="0" time="5.321">');
    expect(junit().match(/<testcase /g)).toHaveLength(6);
    expect(junit().match(/<failure /g)).toHaveLength(2);
    expect(junit().match(/<error /g)).toHaveLength(1);
  });
  it('keeps infrastructure apart from network checks', () => {
    expect(junit()).toContain('<testcase name="deploy" classname="nslab.l.infrastructure"');
    expect(junit()).toContain('<testcase name="reach among 3 nodes" classname="nslab.l.reach"');
  });
  it('states measured vs expected, names failing pairs, carries the command and tool output', () => {
    expect(junit()).toContain('<failure message="1500-byte packet with DF did not pass (expected passes)" type="threshold">');
    expect(junit()).toContain('  a -&gt; c (10.0.1.2)');
    expect(junit()).toContain('$ ip netns exec l-a ping -c 3 10.0.0.2');
    expect(junit()).toContain('<system-err>ping: local error: message too long, mtu=1400 &lt;&amp;&gt; &quot;quoted&quot; bell</system-err>'); // stderr apart, escaped, control character dropped
  });
  it('points each test case at its topology line (file, line: GitLab and action-junit-report link them)', () => {
    expect(junit()).toContain('<testcase name="ping a -&gt; b" classname="nslab.l.ping" time="0.412" file="topologies/x.yaml" line="12">');
  });
  it('an error is an <error>, a failure a <failure> of the right type, never the other way round', () => {
    const err = toJUnit({ ...report, checks: [result({ status: 'error', message: 'boom' }), result({ name: 'neg', status: 'fail', expect: 'fail', message: 'it passed' })] });
    expect(err).toContain('<error message="boom" type="error">');
    expect(err).toContain('<failure message="it passed" type="unexpected-pass">');
    expect(err).not.toContain('<failure message="boom"');
  });
  it('a check that never ran is <skipped> with the reason, counted as skipped, and the file still validates', () => {
    const x = toJUnit(interrupted());
    expect(x).toContain('<testsuite name="l" tests="4" failures="0" errors="0" skipped="1"');
    expect(x).toMatch(/<testcase name="mtu a -&gt; b size 1500" classname="nslab.l.mtu" time="0.000" file="topologies\/x.yaml" line="13">\n\s+<skipped message="interrupted by SIGTERM"\/>/);
    const dir = mkdtempSync(join(tmpdir(), 'nslab-junit-'));
    writeFileSync(join(dir, 'r.xml'), x);
    expect(spawnSync('xmllint', ['--noout', '--schema', join(FIXTURES, 'junit/junit.xsd'), join(dir, 'r.xml')]).status).toBe(0);
  });
  it('several labs: one testsuite each, totals over all', () => {
    const x = toJUnit([report, { ...interrupted(), lab: 'm' }]);
    expect(x.match(/<testsuite /g)).toHaveLength(2);
    expect(x).toContain('<testsuites name="nslab" tests="10" failures="2" errors="1" skipped="1"');
  });
  it('records kernel, iproute2 and the topology file as properties', () => {
    expect(junit()).toContain('<property name="kernel.release" value="6.18"/>');
    expect(junit()).toContain('<property name="topology.file" value="topologies/x.yaml"/>');
  });
});

describe('TAP 14', () => {
  it('plan line, then ok / not ok with a YAML block of what was measured', () => {
    expect(tapHeader(6)).toBe('TAP version 14\n1..6\n');
    const fail = tapPoint(2, report.checks[1]!);
    expect(fail.split('\n')[0]).toBe('not ok 2 - mtu a -> b size 1500');
    expect(fail).toContain('  ---\n');
    expect(fail).toContain('  message: "1500-byte packet with DF did not pass (expected passes)"');
    expect(fail).toContain('    - { name: "received", value: "3/3", expected: "≥ 1", ok: true }');
    expect(fail.trimEnd().endsWith('  ...')).toBe(true);
    expect(tapPoint(1, report.checks[0]!).startsWith('ok 1 - ping a -> b\n')).toBe(true);
    expect(fail).toContain('  stderr: "ping: local error: message too long');
  });
  it('an error is `not ok`, never `ok`', () => {
    expect(tapPoint(3, report.checks[2]!).split('\n')[0]).toBe('not ok 3 - iperf a -> b');
  });
  it('a skipped check is `ok` with a SKIP directive and the reason', () => {
    expect(tapPoint(2, interrupted().checks[1]!)).toBe('ok 2 - mtu a -> b size 1500 # SKIP interrupted by SIGTERM\n');
  });
  it('points keep file order whatever order results arrive in', () => {
    const order = new TapOrder(['phase:deploy', 'check:first', 'check:second', 'phase:teardown']);
    expect(order.put(result({ name: 'deploy', kind: 'deploy' }))).toMatch(/^ok 1 - deploy\n/);
    expect(order.put(result({ name: 'second' }))).toBe('');
    const both = order.put(result({ name: 'first', status: 'fail' }));
    expect(both.match(/^(not )?ok \d+ - \S+/gm)).toEqual(['not ok 2 - first', 'ok 3 - second']);
    expect(order.complete).toBe(false);
    expect(order.put(result({ name: 'teardown', kind: 'teardown' }))).toMatch(/^ok 4 - teardown/);
    expect(order.complete).toBe(true);
  });
  it('escapes # in names (TAP directives start with #)', () => {
    expect(tapPoint(1, result({ name: 'ping #1' })).split('\n')[0]).toBe('ok 1 - ping \\#1');
  });
  it('a name\'s backslash is doubled and a newline becomes a space; so is a skip reason\'s newline', () => {
    expect(tapPoint(1, result({ name: 'a\\b\nc' })).split('\n')[0]).toBe('ok 1 - a\\\\b c');
    expect(tapPoint(1, { ...result({ status: 'skip', message: 'never\nran' }) })).toBe('ok 1 - ping a -> b # SKIP never ran\n');
  });
  it('keeps the first 20 commands and the last 10 lines of a failure\'s stderr; a passing check\'s stderr is left out', () => {
    const commands = Array.from({ length: 25 }, (_, i) => `cmd${i}`);
    const stderr = `\n${Array.from({ length: 12 }, (_, i) => `line${i}`).join('\n')}\n\n`;
    const failed = tapPoint(1, result({ status: 'fail', commands, stderr }));
    expect(failed).toContain(`  commands:\n${commands.slice(0, 20).map((c) => `    - "${c}"`).join('\n')}\n  stderr: `);
    expect(failed).toContain(`  stderr: ${JSON.stringify(Array.from({ length: 10 }, (_, i) => `line${i + 2}`).join('\n'))}\n`);
    expect(tapPoint(1, result({ stderr: 'noise' }))).not.toContain('stderr');
    expect(tapPoint(1, result({ status: 'fail', stderr: '  \n' }))).not.toContain('stderr');
    expect(tapPoint(1, result({ commands: [] }))).not.toContain('commands');
  });
  it('a measurement without a bound has no `expected`, and one without a verdict no `ok`', () => {
    expect(tapPoint(1, result({ measurements: [{ name: 'rtt avg', value: '2 ms' }] }))).toContain('  measured:\n    - { name: "rtt avg", value: "2 ms" }\n');
  });
  it('a slot per phase, check and scenario; a result put twice or for no slot prints nothing', () => {
    expect((['deploy', 'teardown', 'topology', 'options', 'preflight', 'internal'] as const).map((kind) => TapOrder.key({ kind, name: 'x' }))).toEqual(['phase:deploy', 'phase:teardown', 'phase:topology', 'phase:options', 'phase:preflight', 'phase:internal']);
    expect([TapOrder.key({ kind: 'scenario', name: 'cut' }), TapOrder.key({ kind: 'ping', name: 'deploy' })]).toEqual(['scenario:cut', 'check:deploy']);
    const order = new TapOrder(['check:a', 'check:b']);
    expect(order.put(result({ name: 'elsewhere' }))).toBe('');
    expect(order.put(result({ name: 'b' }))).toBe('');
    expect(order.put(result({ name: 'b', status: 'fail' }))).toBe('');
    expect(order.put(result({ name: 'a' })).match(/^(not )?ok \d+ - \S+/gm)).toEqual(['ok 1 - a', 'ok 2 - b']);
    expect(order.put(result({ name: 'a' }))).toBe('');
    expect(order.complete).toBe(true);
  });
  it('a point that is not a scenario has no subtest, even with steps', () => {
    expect(tapPoint(1, { ...result({}), steps: [result({})] } as CheckResult).startsWith('ok 1 - ping a -> b\n')).toBe(true);
  });
});

describe('JSON', () => {
  it('has the verdict, totals and every result, numbers as numbers with units in the keys', () => {
    const j = JSON.parse(toJson(report));
    expect(j).toMatchObject({ version: 1, ok: false, summary: { tests: 6, passed: 3, failures: 2, errors: 1, skipped: 0 } });
    expect(j.suites[0]).toMatchObject({ lab: 'l', ok: false, duration_ms: 5321, summary: { tests: 6 } });
    expect(j.suites[0].results).toHaveLength(6);
    expect(j.suites[0].results[1]).toMatchObject({ name: 'ping a -> b', metrics: { rtt_avg_ms: 0.05 }, duration_ms: 412, loc: 'topologies/x.yaml:12:5' });
  });
});

describe('JSON of several labs', () => {
  it('is ok only when every lab is; a failing check\'s attachments are listed', () => {
    const bad = { ...report, lab: 'm', checks: [result({ status: 'fail', attachments: ['/tmp/x.pcap'] })] };
    const good = { ...report, checks: [result({})] };
    const doc = JSON.parse(toJson([good, bad]));
    expect(doc.ok).toBe(false);
    expect(JSON.parse(toJson([good, good])).ok).toBe(true);
    const failed = doc.suites[1].results.find((r: { status: string }) => r.status === 'fail');
    expect(failed.attachments).toEqual(['/tmp/x.pcap']);
    expect(doc.suites[0].results.some((r: object) => 'attachments' in r)).toBe(false);
  });
});

describe('the suite verdict', () => {
  it('an error fails the suite (nslab run would not exit 0)', () => {
    expect(suiteOk({ ...report, checks: [result({})] })).toBe(true);
    expect(suiteOk({ ...report, checks: [result({ status: 'error' })] })).toBe(false);
    expect(suiteOk({ ...report, checks: [result({ status: 'fail' })] })).toBe(false);
    expect(suiteOk({ ...report, teardown: result({ kind: 'teardown', status: 'error' }) })).toBe(false);
  });
  it('counts each status', () => {
    expect(counts(interrupted())).toEqual({ tests: 4, passed: 3, failures: 0, errors: 0, skipped: 1 });
  });
  it('skips alone do not fail it; a scenario fails it by its own status or any of its steps', () => {
    expect(suiteOk({ ...report, checks: [result({ status: 'skip' })] })).toBe(true);
    const sc = (status: CheckResult['status'], stepStatus: CheckResult['status']) => ({ ...result({ status }), kind: 'scenario' as const, steps: [result({}), result({ status: stepStatus })], timeline: [] });
    const base = { ...report, checks: [result({})] };
    expect(suiteOk({ ...base, scenarios: [sc('pass', 'skip')] })).toBe(true);
    expect(suiteOk({ ...base, scenarios: [sc('fail', 'pass')] })).toBe(false);
    expect(suiteOk({ ...base, scenarios: [sc('pass', 'error')] })).toBe(false);
    expect(scenarioCounts(sc('fail', 'error'))).toEqual({ tests: 2, passed: 1, failures: 0, errors: 1, skipped: 0 });
    expect(scenarioCounts({ ...sc('pass', 'skip'), steps: [result({ status: 'fail' }), result({ status: 'skip' })] })).toEqual({ tests: 2, passed: 0, failures: 1, errors: 0, skipped: 1 });
  });
  it('a run that stopped early counts its error first', () => {
    const stopped = { ...report, error: result({ name: 'topology', kind: 'topology', status: 'error' }), deploy: undefined, teardown: undefined, checks: [] };
    expect(allResults(stopped).map((c) => c.name)).toEqual(['topology']);
    expect(counts(stopped)).toEqual({ tests: 1, passed: 0, failures: 0, errors: 1, skipped: 0 });
  });
  it('a skipped check: its name, kind, expectation and place, nothing measured, the reason twice', () => {
    const at = new Date('2026-11-23T08:00:00.000Z');
    expect(skipped({ name: 'n', kind: 'ping', expect: 'fail', loc: { file: 'f', line: 1, col: 2 } }, 'no fping', at)).toEqual({
      name: 'n', kind: 'ping', status: 'skip', expect: 'fail', message: 'skipped: no fping', skipReason: 'no fping',
      measurements: [], metrics: {}, commands: [], output: '', stderr: '', startedAt: '2026-11-23T08:00:00.000Z', ms: 0, loc: { file: 'f', line: 1, col: 2 },
    });
    expect(skipped({ name: 'n', kind: 'ping' }, 'x', at)).not.toHaveProperty('loc');
    expect(skipped({ name: 'n', kind: 'ping' }, 'x', at).expect).toBe('pass');
  });
});

describe('rule: the reports of one run, word for word (golden, reviewed like code)', () => {
  // skipped() stamps the time it is called: fixed here, so the document is the same every run.
  const never = { ...skipped({ name: 'capture on b:eth0 while ping a -> b', kind: 'capture', loc: { file: 'topologies/x.yaml', line: 20, col: 5 } }, 'interrupted by SIGTERM'), startedAt: '2026-11-23T08:00:05.000Z' };
  const run: SuiteReport = { ...report, checks: [...report.checks, never] };
  it('JUnit', () => golden('reports/run.junit.xml', toJUnit(run)));
  it('TAP', () => golden('reports/run.tap', tapHeader(allResults(run).length) + allResults(run).map((c, i) => tapPoint(i + 1, c)).join('')));
  it('JSON', () => golden('reports/run.json', toJson(run)));
  it('TAP when a run cannot start: the reason on one line', () => expect(tapBailOut('no such file\nsecond line')).toBe('Bail out! no such file\n'));
});

describe('rule: the reports of a run with every edge, word for word (golden, reviewed like code)', () => {
  // A failing capture carries its file as an attachment (a passing one does not); a
  // preflight error is typed by its phase, a check's by `error`; a negative check that
  // passed is an unexpected pass; output keeps its leading blanks; a timestamp without
  // a fraction; a scenario whose properties are its watches' outage and loss only.
  const edge = (): SuiteReport => ({
    ...report,
    lab: 'e',
    startedAt: '2026-11-23T08:00:00Z',
    deploy: undefined,
    teardown: undefined,
    checks: [
      result({ name: 'preflight', kind: 'preflight', status: 'error', message: 'fping is missing', measurements: [], commands: [], output: '', loc: undefined }),
      result({ name: 'capture on b:eth0', kind: 'capture', status: 'fail', message: '2 packets (expected 0) ✗', measurements: [{ name: 'packets', value: '2', expected: '0', ok: false }], attachments: ['/tmp/nslab/e/cap.pcap'], output: '  12:00:00 IP a > b\n\n', stderr: '\n  tcpdump: listening\n' }),
      result({ name: 'capture kept', kind: 'capture', attachments: ['/tmp/nslab/e/ok.pcap'] }),
      result({ name: 'ping a -> z', status: 'error', message: 'no such node' }),
      result({ name: 'isolated', status: 'fail', expect: 'fail', message: 'received 3/3 (expected none) ✗' }),
    ],
    scenarios: [{
      ...result({ name: 'cut', kind: 'scenario' as never, status: 'pass', message: 'ok', measurements: [], commands: [], output: '' }),
      kind: 'scenario',
      steps: [
        result({ name: 'link down a:eth0', kind: 'step', metrics: { outage_ms: 5 }, commands: [], output: '' }),
        result({ name: 'a pings b', kind: 'watch', metrics: { outage_ms: 300, loss_pct: 2.5, sent: 40 }, commands: [], output: '' }),
      ],
      timeline: [{ at_ms: 1234, step: 'link down a:eth0', event: 'start' }],
      startedAt: '2026-11-23T08:00:01.500Z',
    }],
  });
  it('JUnit', () => golden('reports/edge.junit.xml', toJUnit(edge())));
  it('JUnit: it validates', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nslab-junit-'));
    writeFileSync(join(dir, 'e.xml'), toJUnit(edge()));
    expect(spawnSync('xmllint', ['--noout', '--schema', join(FIXTURES, 'junit/junit.xsd'), join(dir, 'e.xml')]).status).toBe(0);
  });
  it('TAP', () => golden('reports/edge.tap', tapHeader(allResults(edge()).length) + allResults(edge()).map((c, i) => tapPoint(i + 1, c)).join('')));
  it('JSON', () => golden('reports/edge.json', toJson(edge())));
});
