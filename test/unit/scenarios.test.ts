/**
 * The pure parts of scenarios and the new checks: what a watch's ping output
 * says about loss and outage, `ip route get` and tcpdump's count read back,
 * shards of a file list, and scenarios in TAP, JUnit and JSON.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { capturedCount } from '../../src/checks/kinds/capture.js';
import { parseRouteGet } from '../../src/checks/kinds/route.js';
import { phaseResult, type CheckResult } from '../../src/checks/result.js';
import { shardOf } from '../../src/cli/commands/checks.js';
import { toJson } from '../../src/report/json.js';
import { toJUnit } from '../../src/report/junit.js';
import type { SuiteReport } from '../../src/report/suite.js';
import { tapPoint } from '../../src/report/tap.js';
import type { ScenarioResult } from '../../src/scenarios/run.js';
import { watchStats } from '../../src/scenarios/watch.js';
import { FIXTURES } from '../helpers/fixtures.js';
import { expectOutput } from '../helpers/outputs.js';
import { golden } from '../helpers/golden.js';

/** `ping -D -O` output: probes every `interval` ms from t0, `lost` sequence numbers unanswered. */
function pingOutput(n: number, intervalMs: number, lost: (seq: number) => boolean, summary = true): string {
  const lines = ['PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.'];
  for (let seq = 1; seq <= n; seq++) {
    const t = (1000 + (seq - 1) * intervalMs / 1000).toFixed(6);
    lines.push(lost(seq) ? `[${t}] no answer yet for icmp_seq=${seq}` : `[${t}] 64 bytes from 10.0.0.2: icmp_seq=${seq} ttl=64 time=0.05 ms`);
  }
  const received = Array.from({ length: n }, (_, i) => i + 1).filter((s) => !lost(s)).length;
  if (summary) lines.push('', '--- 10.0.0.2 ping statistics ---', `${n} packets transmitted, ${received} received, ${(((n - received) / n) * 100).toFixed(0)}% packet loss, time 1000ms`);
  return lines.join('\n') + '\n';
}

describe('rule: a watch measures loss and the longest outage from ping -D -O', () => {
  it('no loss: no outage', () => {
    expect(watchStats(pingOutput(100, 10, () => false), 10)).toMatchObject({ sent: 100, received: 100, lossPct: 0, outageMs: 0 });
  });
  it('a run of 50 lost probes at 10 ms is a 500 ms outage, placed on the clock', () => {
    const s = watchStats(pingOutput(200, 10, (q) => q >= 51 && q <= 100), 10);
    expect(s).toMatchObject({ sent: 200, received: 150, lossPct: 25, outageMs: 500, outageFromMs: 490, outageToMs: 1000 });
  });
  it('the longest of two outages is the one reported', () => {
    const s = watchStats(pingOutput(300, 10, (q) => (q >= 20 && q <= 29) || (q >= 100 && q <= 179)), 10);
    expect(s.outageMs).toBe(800);
  });
  it('lost at the start counts from the start', () => {
    expect(watchStats(pingOutput(100, 20, (q) => q <= 10), 20).outageMs).toBe(200);
  });
  it('still lost when the watch stopped: counted up to the end', () => {
    expect(watchStats(pingOutput(100, 10, (q) => q > 60), 10).outageMs).toBe(400);
  });
  it('without a summary line (cut short), the lines alone tell', () => {
    expect(watchStats(pingOutput(50, 10, (q) => q === 10, false), 10)).toMatchObject({ sent: 50, received: 49, outageMs: 10 });
  });
});

describe('rule: route and capture read what the tools say', () => {
  it('ip -j route get: via, dev, src; a refusal is the reason', () => {
    expect(parseRouteGet('[{"dst":"10.0.2.2","gateway":"10.0.1.1","dev":"eth0","prefsrc":"10.0.1.2","flags":[],"uid":0,"cache":[]}]', '')).toEqual({ route: { dst: '10.0.2.2', gateway: '10.0.1.1', dev: 'eth0', prefsrc: '10.0.1.2', flags: [], uid: 0, cache: [] } });
    expect(parseRouteGet('', 'RTNETLINK answers: Network is unreachable\n')).toEqual({ error: 'Network is unreachable' });
  });
  it('tcpdump\'s count, singular and plural', () => {
    expect(capturedCount('tcpdump: listening on eth0\n0 packets captured\n0 packets received by filter\n')).toBe(0);
    expect(capturedCount('1 packet captured\n')).toBe(1);
    expect(capturedCount('12 packets captured\n')).toBe(12);
    expect(capturedCount('tcpdump: eth9: No such device exists\n')).toBeUndefined();
  });
});

describe('rule: --shard K/N is a stable share of the files', () => {
  const files = ['c.yaml', 'a.yaml', 'd.yaml', 'b.yaml', 'e.yaml'];
  it('every file in exactly one shard, whatever order they are given in', () => {
    const shards = [1, 2, 3].map((k) => shardOf(files, `${k}/3`));
    expect(shards.flat().sort()).toEqual([...files].sort());
    expect(shardOf([...files].reverse(), '2/3').sort()).toEqual([...shards[1]!].sort());
  });
  it('a bad shard is bad input', () => {
    for (const s of ['0/3', '4/3', 'x', '1/0']) expect(() => shardOf(files, s)).toThrow(/--shard/);
  });
});

const at = new Date('2026-11-30T10:00:00.000Z');
const step = (name: string, over: Partial<CheckResult> = {}): CheckResult => ({ ...phaseResult('deploy', true, 'done', at, 10), name, kind: 'step', ...over });
const scenario: ScenarioResult = {
  ...phaseResult('deploy', false, '1 of 3 steps failed: a pings b; a pings b: longest outage 1200 ms', at, 3000), name: 'failover', kind: 'scenario', status: 'fail',
  steps: [
    step('link down r1:wan0', { loc: { file: 'f.yaml', line: 40, col: 7 } }),
    step('a pings b', { kind: 'watch', status: 'fail', message: 'longest outage 1200 ms (expected ≤ 1000 ms) ✗', metrics: { outage_ms: 1200, loss_pct: 4 } }),
    step('restore'),
  ],
  timeline: [{ at_ms: 0, step: 'link down r1:wan0', event: 'start' }, { at_ms: 12, step: 'link down r1:wan0', event: 'end', status: 'pass' }, { at_ms: 2900, step: 'restore', event: 'restore' }],
};
const suite: SuiteReport = { lab: 'fo', file: 'f.yaml', startedAt: at.toISOString(), ms: 5000, hostname: 'h', properties: {}, checks: [step('ping a -> b', { kind: 'ping' })], scenarios: [scenario] };

describe('rule: a scenario reports as a testsuite (JUnit), a subtest (TAP) and a timeline (JSON)', () => {
  it('JUnit: a testsuite of its own, each step a test case, the outage a property, the timeline its system-out; it validates', () => {
    const xml = toJUnit(suite);
    expect(xml).toContain('<testsuites name="nslab" tests="4" failures="1" errors="0" skipped="0"');
    expect(xml).toContain('<testsuite name="fo/failover" tests="3" failures="1" errors="0" skipped="0"');
    expect(xml).toContain('<property name="a pings b.outage_ms" value="1200"/>');
    expect(xml).toContain('<testcase name="a pings b" classname="nslab.fo.scenario.failover.watch"');
    expect(xml).toContain('<failure message="longest outage 1200 ms (expected ≤ 1000 ms) ✗"');
    expect(xml).toMatch(/0\.012 s {2}end {5}link down r1:wan0 \(pass\)/);
    const dir = mkdtempSync(join(tmpdir(), 'nslab-junit-'));
    writeFileSync(join(dir, 'r.xml'), xml);
    expect(spawnSync('xmllint', ['--noout', '--schema', join(FIXTURES, 'junit/junit.xsd'), join(dir, 'r.xml')]).status).toBe(0);
  });
  it('TAP: an indented subtest with its own plan, then the scenario\'s own point', () => {
    const tap = tapPoint(5, scenario);
    expect(tap.startsWith('# Subtest: failover\n    1..3\n    ok 1 - link down r1:wan0\n')).toBe(true);
    expect(tap).toContain('    not ok 2 - a pings b\n');
    expect(tap).toMatch(/\nnot ok 5 - failover\n {2}---\n/);
  });
  it('JSON: each scenario with its steps, summary and timeline, in the documented shape', () => {
    const doc = expectOutput('report', toJson(suite));
    expect(doc.ok).toBe(false);
    expect(doc.summary).toEqual({ tests: 4, passed: 3, failures: 1, errors: 0, skipped: 0 });
    expect(doc.suites[0].scenarios[0]).toMatchObject({ name: 'failover', status: 'fail', summary: { tests: 3, failures: 1 }, timeline: [{ at_ms: 0, event: 'start' }, {}, {}] });
    expect(doc.suites[0].scenarios[0].steps[1]).toMatchObject({ kind: 'watch', metrics: { outage_ms: 1200 } });
  });
});

describe('rule: a scenario in the reports, word for word (golden, reviewed like code)', () => {
  it('JUnit', () => golden('reports/scenario.junit.xml', toJUnit(suite)));
  it('TAP', () => golden('reports/scenario.tap', tapPoint(2, scenario)));
  it('JSON', () => golden('reports/scenario.json', toJson(suite)));
});
