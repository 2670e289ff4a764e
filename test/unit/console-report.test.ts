/**
 * What a person reads on a terminal after `nslab run` / `nslab test`: one
 * line per check, why a failure failed, and the totals.
 */
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/checks/result.js';
import { consoleLine, consoleSummary } from '../../src/report/console.js';
import type { SuiteReport } from '../../src/report/suite.js';

const result = (over: Partial<CheckResult>): CheckResult => ({
  name: 'ping a -> b', kind: 'ping', status: 'pass', expect: 'pass', message: 'received 3/3', measurements: [], metrics: {},
  commands: ['nsenter --net=/run/netns/l-a ping -c 3 10.0.0.2'], output: '', stderr: '', startedAt: '2026-11-30T08:00:00.000Z', ms: 412,
  loc: { file: 'lab.yaml', line: 12, col: 5 }, ...over,
});

describe('rule: a passing check is one line: mark, name, what was measured, how long', () => {
  it('milliseconds under a second, seconds with one decimal from one second up', () => {
    expect(consoleLine(result({}))).toBe('✓ ping a -> b  — received 3/3 (412 ms)\n');
    expect(consoleLine(result({ ms: 999.6 }))).toBe('✓ ping a -> b  — received 3/3 (1000 ms)\n');
    expect(consoleLine(result({ ms: 1000 }))).toBe('✓ ping a -> b  — received 3/3 (1.0 s)\n');
    expect(consoleLine(result({ ms: 12_345 }))).toBe('✓ ping a -> b  — received 3/3 (12.3 s)\n');
  });
  it('without a message, the status stands in', () => {
    expect(consoleLine(result({ message: '' }))).toBe('✓ ping a -> b  — pass (412 ms)\n');
  });
});

describe('rule: a failure says why, where the message alone does not', () => {
  it("the tool's last three lines on stderr, the last command, and the check's place in the file", () => {
    const line = consoleLine(result({ status: 'fail', message: 'received 0/3', stderr: 'one\ntwo\n\nthree\nfour\n', commands: ['first', 'ping -c 3 10.0.0.2'] }));
    expect(line).toBe('✗ ping a -> b  — received 0/3 (412 ms)\n    two\n    three\n    four\n    $ ping -c 3 10.0.0.2\n    at lab.yaml:12:5\n');
  });
  it("an error with nothing on stderr shows the tool's output instead; a failure does not", () => {
    expect(consoleLine(result({ status: 'error', message: 'could not run', output: 'exec failed\n', commands: [], loc: undefined }))).toBe('! ping a -> b  — could not run (412 ms)\n    exec failed\n');
    expect(consoleLine(result({ status: 'fail', message: 'x', output: 'not shown\n', commands: [], loc: undefined }))).toBe('✗ ping a -> b  — x (412 ms)\n');
  });
  it('blank stderr counts as nothing said; of several commands the last is shown', () => {
    expect(consoleLine(result({ status: 'error', message: 'could not run', stderr: '  \n', output: '  exec failed  \n', commands: ['a', 'b', 'c'], loc: undefined }))).toBe('! ping a -> b  — could not run (412 ms)\n    exec failed\n    $ c\n');
  });
  it('a skipped check says why it never ran', () => {
    expect(consoleLine(result({ status: 'skip', message: 'skipped', skipReason: 'the deploy failed' }))).toBe('- ping a -> b  — skipped: the deploy failed\n');
    expect(consoleLine(result({ status: 'skip', message: 'interrupted' }))).toBe('- ping a -> b  — skipped: interrupted\n');
  });
});

describe('rule: a scenario is its line, then each step indented under it', () => {
  it('steps are indented four spaces, their own reasons eight', () => {
    const steps = [result({ name: 'link r1:eth1 down', kind: 'step', message: 'done', ms: 20, commands: [], loc: undefined }), result({ name: 'ping h1 -> h2', status: 'fail', message: 'received 0/3', stderr: 'unreachable', commands: [], loc: undefined })];
    const scenario = { ...result({ name: 'failover', kind: 'scenario', message: 'outage 1.2 s', ms: 4321 }), steps } as CheckResult;
    expect(consoleLine(scenario)).toBe('✓ scenario failover  — outage 1.2 s (4.3 s)\n    ✓ link r1:eth1 down  — done (20 ms)\n    ✗ ping h1 -> h2  — received 0/3 (412 ms)\n        unreachable\n');
  });
  it('a skipped scenario is one line like any skipped check', () => {
    expect(consoleLine(result({ name: 'failover', kind: 'scenario', status: 'skip', message: 'interrupted' }))).toBe('- failover  — skipped: interrupted\n');
  });
});

describe('rule: the summary counts every result, deploy and teardown included', () => {
  const suite = (checks: CheckResult[], over: Partial<SuiteReport> = {}): SuiteReport => ({ lab: 'l', startedAt: '2026-11-30T08:00:00.000Z', ms: 5321, hostname: 'h', properties: {}, checks, ...over });
  it('all passed', () => {
    expect(consoleSummary(suite([result({})], { deploy: result({ name: 'deploy', kind: 'deploy' }) }))).toBe('\nlab l: 2/2 passed — all passed (5.3 s)\n');
  });
  it('failures, errors and skips, each only when there are some', () => {
    expect(consoleSummary(suite([result({ status: 'fail' }), result({ status: 'skip' }), result({})]))).toBe('\nlab l: 1/3 passed, 1 skipped — 1 failed (5.3 s)\n');
    expect(consoleSummary(suite([result({ status: 'error' }), result({ status: 'fail' })]))).toBe('\nlab l: 0/2 passed — 1 failed, 1 errors (5.3 s)\n');
    expect(consoleSummary(suite([result({ status: 'error' })]))).toBe('\nlab l: 0/1 passed — 0 failed, 1 errors (5.3 s)\n');
  });
});
