/**
 * Checks on a real lab: each passes and fails when it should
 * (test/fixtures/labs/checks.yaml says which and why), and `nslab run`
 * writes a JUnit file that validates and counts the failures right.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/checks/result.js';
import { runChecks } from '../../src/checks/run.js';
import { FIXTURES, ROOT } from '../helpers/fixtures.js';
import { isRoot, labFromFile, liveLab, namespaces, renamed, uniqueName } from '../helpers/lab.js';

const FILE = join(FIXTURES, 'labs/checks.yaml');

describe.skipIf(!isRoot)('checks against a live lab', () => {
  const live = liveLab(() => labFromFile(FILE));
  const results = new Map<string, CheckResult>();
  beforeAll(async () => {
    for (const r of await runChecks(live())) results.set(r.name, r);
  }, 120_000);
  const get = (name: string) => {
    const r = results.get(name);
    if (!r) throw new Error(`no result for ${name}: ${[...results.keys()].join(', ')}`);
    return r;
  };

  it('ping passes across the bridge, with RTT measured', () => {
    const r = get('ping a -> b');
    expect(r.status).toBe('pass');
    expect(r.measurements.find((m) => m.name === 'rtt avg')?.value).toMatch(/ms$/);
  });
  it('ping to a node on another subnet without a route fails', () => {
    expect(get('no route to c')).toMatchObject({ status: 'fail', message: expect.stringContaining('received 0/') });
  });
  it('a negative ping (expect: fail) passes when nothing comes back', () => {
    expect(get('c is isolated').status).toBe('pass');
  });
  it('mtu: 1500 bytes with DF fail over a 1400-byte link, 1400 pass, discovery finds 1400', () => {
    expect(get('1500 over the 1400 link').status).toBe('fail');
    expect(get('1400 over the 1400 link').status).toBe('pass');
    const d = get('path MTU to d');
    expect(d.status).toBe('pass');
    expect(d.measurements[0]).toMatchObject({ name: 'path MTU', value: '1400 bytes' });
  });
  it('iperf measures throughput; a floor it cannot reach fails with measured vs expected', () => {
    const ok = get('iperf a -> b');
    expect(ok.status).toBe('pass');
    expect(ok.measurements[0]!.name).toBe('throughput');
    const bad = get('impossible throughput');
    expect(bad.status).toBe('fail');
    expect(bad.message).toMatch(/throughput .* \(expected ≥ 10 Tbit\/s\)/);
  });
  it('iperf3 servers are always stopped', () => {
    expect(spawnSync('pgrep', ['-f', `iperf3 -s -1 -B 10.60.0.`]).status).not.toBe(0);
  });
  it('exec checks exit code and stdout', () => {
    expect(get('eth0 has MTU 1500').status).toBe('pass');
    expect(get('wrong exit code')).toMatchObject({ status: 'fail', message: 'exit code 3 (expected 0) ✗' });
  });
  it('reach names every failing pair', () => {
    const r = get('reach among 3 nodes');
    expect(r.status).toBe('fail');
    expect(r.failedPairs).toEqual(['a -> c (10.61.0.2)', 'b -> c (10.61.0.2)', 'c -> a (10.60.0.1)', 'c -> b (10.60.0.2)']);
  });
});

describe.skipIf(!isRoot)('nslab run: the CI entry point', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nslab-run-'));
  const nslab = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin/nslab.js'), ...args], { encoding: 'utf8' });

  it('runs up, checks, down; exits 1 on failed checks; JUnit validates and counts them', () => {
    const name = uniqueName();
    const file = join(dir, 'checks.yaml');
    writeFileSync(file, renamed(readFileSync(FILE, 'utf8'), name));
    const junit = join(dir, 'report.xml');
    const r = nslab('run', file, '--junit', junit, '--json', join(dir, 'report.json'));
    expect(r.status, r.stderr).toBe(1);
    expect(namespaces(`${name}-`)).toEqual([]);
    const lint = spawnSync('xmllint', ['--noout', '--schema', join(FIXTURES, 'junit/junit.xsd'), junit], { encoding: 'utf8' });
    expect(lint.status, lint.stderr).toBe(0);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(new RegExp(`<testsuite name="${name}" tests="13" failures="5" errors="0"`));
    // TAP on stdout (not a terminal): 13 points, 5 not ok
    expect(r.stdout.startsWith('TAP version 14\n1..13\n')).toBe(true);
    expect(r.stdout.match(/^not ok /gm)).toHaveLength(5);
    const json = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(json.summary).toEqual({ tests: 13, passed: 8, failures: 5, errors: 0 });
  }, 120_000);

  it('a failed deploy exits 3, reports it as the deploy test case and skips the checks', () => {
    const name = uniqueName();
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, `name: ${name}\nnodes:\n  a:\n    sysctl: { net.ipv4.no_such_knob: 1 }\n  b: {}\nlinks:\n  - endpoints: [a:eth0, b:eth0]\n    ip: [10.63.0.1/24, 10.63.0.2/24]\nchecks:\n  - ping: { from: a, to: b }\n`);
    const junit = join(dir, 'deploy.xml');
    const r = nslab('run', file, '--junit', junit);
    expect(r.status).toBe(3);
    expect(r.stdout).toContain('not ok 1 - deploy');
    expect(r.stdout).toContain('ok 2 - ping a -> b # SKIP deploy failed');
    expect(readFileSync(junit, 'utf8')).toContain('<testcase name="deploy" classname="nslab.' + name + '.infrastructure"');
    expect(namespaces(`${name}-`)).toEqual([]);
  });

  it('SIGTERM during checks still tears the lab down', async () => {
    const name = uniqueName();
    const file = join(dir, 'slow.yaml');
    writeFileSync(file, `name: ${name}\nnodes:\n  a: {}\n  b: {}\nlinks:\n  - endpoints: [a:eth0, b:eth0]\n    ip: [10.64.0.1/24, 10.64.0.2/24]\nchecks:\n  - exec: { node: a, cmd: "sleep 2" }\n  - ping: { from: a, to: b, count: 20 }\n`);
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [join(ROOT, 'bin/nslab.js'), 'run', file], { stdio: 'ignore' });
    for (let i = 0; i < 300 && namespaces(`${name}-`).length < 2; i++) await new Promise((res) => setTimeout(res, 20));
    await new Promise((res) => setTimeout(res, 300));
    child.kill('SIGTERM');
    const code = await new Promise((res) => child.on('close', res));
    expect(code).toBe(143);
    expect(namespaces(`${name}-`)).toEqual([]);
  }, 60_000);
});
