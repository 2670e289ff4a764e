/**
 * Checks on a real lab: each passes and fails when it should
 * (test/fixtures/labs/checks.yaml says which and why), and `nslab run`
 * writes a JUnit file that validates and counts the failures right.
 */
import { spawn, spawnSync } from 'node:child_process';
import { processesIn } from '../../src/exec/processes.js';
import { expectOutput } from '../helpers/outputs.js';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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
  it('ping to a node on another subnet without a route fails, saying 0 of N and why', () => {
    expect(get('no route to c')).toMatchObject({ status: 'fail', message: expect.stringContaining('received 0/2 (Network is unreachable)') });
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
    // By what runs in the lab's namespaces, not by a command line that could drift (an earlier
    // pgrep pattern missed the real one, so this test could not fail).
    const left = [...processesIn(live().nodes.map((n) => n.ns)).values()].flat().map((pid) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim());
    expect(left).toEqual([]);
  });
  it('the iperf3 leak test can fail: a server left running is seen', async () => {
    const ns = live().nodes.find((n) => n.name === 'b')!.ns;
    const server = spawn('nsenter', [`--net=/run/netns/${ns}`, 'iperf3', '-s', '-p', '5299'], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 100 && !processesIn([ns]).size; i++) await new Promise((r) => setTimeout(r, 20));
      const left = [...processesIn([ns]).values()].flat().map((pid) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim());
      expect(left).toEqual(['iperf3']);
    } finally {
      server.kill('SIGKILL');
      await new Promise((r) => server.on('close', r));
    }
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
  it('results come back in file order, with stdout and stderr apart', () => {
    expect([...results.keys()]).toEqual(live().checks.map((c) => c.name));
    expect(get('wrong exit code').stderr).toBe('');
    expect(get('eth0 has MTU 1500').output).toMatch(/mtu 1500/);
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
    const json = expectOutput('report', readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(json.summary).toEqual({ tests: 13, passed: 8, failures: 5, errors: 0, skipped: 0 });
  }, 120_000);

  it('a failed deploy exits 3, reports it as the deploy test case and skips the checks', () => {
    const name = uniqueName();
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, `name: ${name}\nnodes:\n  a:\n    sysctl: { net.ipv4.no_such_knob: 1 }\n  b: {}\nlinks:\n  - endpoints: [a:eth0, b:eth0]\n    ip: [10.63.0.1/24, 10.63.0.2/24]\nchecks:\n  - ping: { from: a, to: b }\n`);
    const junit = join(dir, 'deploy.xml');
    const r = nslab('run', file, '--junit', junit);
    expect(r.status).toBe(3);
    expect(r.stdout).toContain('not ok 1 - deploy');
    expect(r.stdout).toContain('ok 2 - ping a -> b # SKIP the deploy failed');
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toContain('<testcase name="deploy" classname="nslab.' + name + '.infrastructure"');
    expect(xml).toMatch(/<testcase name="ping a -&gt; b"[^>]*>\s*<skipped message="the deploy failed"\/>/);
    expect(namespaces(`${name}-`)).toEqual([]);
  });

  it('SIGTERM during a 20 s check: the check is killed at once, the lab torn down, reports written, exit 143', async () => {
    const name = uniqueName();
    const file = join(dir, 'slow.yaml');
    writeFileSync(file, `name: ${name}\nnodes:\n  a: {}\n  b: {}\nlinks:\n  - endpoints: [a:eth0, b:eth0]\n    ip: [10.64.0.1/24, 10.64.0.2/24]\nchecks:\n  - exec: { name: slow, node: a, cmd: "sleep 20" }\n  - ping: { from: a, to: b, count: 1 }\n  - iperf: { from: a, to: b, seconds: 10 }\n`);
    const junit = join(dir, 'slow.xml');
    const child = spawn(process.execPath, [join(ROOT, 'bin/nslab.js'), 'run', file, '--junit', junit], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    // Wait until the slow check runs in the lab.
    // Wait for the `sleep` itself: under load the ping check's process can
    // show up in the namespace first, and a signal then finds no check running.
    const sleeping = () => (processesIn([`${name}-a`]).get(`${name}-a`) ?? []).some((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep';
      } catch {
        return false;
      }
    });
    for (let i = 0; i < 1500 && !sleeping(); i++) await new Promise((res) => setTimeout(res, 20));
    expect(sleeping()).toBe(true);
    const t0 = performance.now();
    child.kill('SIGTERM');
    const code = await new Promise((res) => child.on('close', res));
    const seconds = (performance.now() - t0) / 1000;
    expect(code).toBe(143);
    expect(seconds).toBeLessThan(5);
    expect(namespaces(`${name}-`)).toEqual([]);
    expect(out).toMatch(/^not ok 2 - slow$/m);
    expect(out).toMatch(/^ok 4 - iperf a -> b # SKIP interrupted by SIGTERM$/m);
    expect(out).toMatch(/^ok 5 - teardown$/m);
    expect(out).toContain('Bail out! interrupted by SIGTERM');
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(/<testcase name="slow"[^>]*>\s*<error message="interrupted"/);
    expect(xml).toMatch(/<skipped message="interrupted by SIGTERM"\/>/);
  }, 60_000);

  it('TAP points follow file order, not the order checks finish in', () => {
    const name = uniqueName();
    const file = join(dir, 'order.yaml');
    writeFileSync(file, `name: ${name}\nnodes:\n  a: {}\n  b: {}\nlinks:\n  - endpoints: [a:eth0, b:eth0]\n    ip: [10.65.0.1/24, 10.65.0.2/24]\nchecks:\n  - exec: { name: slow first, node: a, cmd: "sleep 1" }\n  - ping: { name: quick second, from: a, to: b, count: 1 }\n`);
    const r = nslab('run', file);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.match(/^ok \d+ - .*$/gm)).toEqual(['ok 1 - deploy', 'ok 2 - slow first', 'ok 3 - quick second', 'ok 4 - teardown']);
  });

  it('--json - puts the report alone on stdout; the live TAP goes to stderr', () => {
    const name = uniqueName();
    const file = join(dir, 'json.yaml');
    writeFileSync(file, `name: ${name}\nnodes:\n  a: {}\n  b: {}\nlinks:\n  - endpoints: [a:eth0, b:eth0]\n    ip: [10.66.0.1/24, 10.66.0.2/24]\nchecks:\n  - ping: { from: a, to: b, count: 1 }\n`);
    const r = nslab('run', file, '--json', '-');
    expect(r.status, r.stderr).toBe(0);
    const doc = expectOutput('report', r.stdout);
    expect(doc).toMatchObject({ version: 1, ok: true, summary: { tests: 3, passed: 3 } });
    expect(r.stderr).toContain('TAP version 14');
  });
});

describe('nslab run: a report on every exit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nslab-early-'));
  const nslab = (args: string[], env: NodeJS.ProcessEnv = process.env) => spawnSync(process.execPath, [join(ROOT, 'bin/nslab.js'), ...args], { encoding: 'utf8', env });

  it('a bad topology (exit 2): JUnit and JSON name the problem at its file:line:col; TAP bails out', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'name: bad\nnodes:\n  a: {}\nlinks:\n  - endpoints: [a:eth0, nowhere:eth0]\n');
    const junit = join(dir, 'bad.xml');
    const json = join(dir, 'bad.json');
    const r = nslab(['run', file, '--junit', junit, '--json', json]);
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/^TAP version 14\n1\.\.1\nnot ok 1 - topology\n/);
    expect(r.stdout).toMatch(/^Bail out! .*unknown node `nowhere`/m);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toContain(`<testcase name="topology" classname="nslab.bad.infrastructure" time="0.000" file="${file}" line="5">`);
    expect(xml).toContain(`<error message="${file}:5:25: unknown node \`nowhere\` in endpoint \`nowhere:eth0\`" type="topology">`);
    expect(expectOutput('report', readFileSync(json, 'utf8'))).toMatchObject({ ok: false, summary: { tests: 1, errors: 1 } });
  });

  it('a tool missing (exit 4): found before anything is built; checks skipped with the reason', () => {
    const name = uniqueName();
    const file = join(dir, 'nofping.yaml');
    writeFileSync(file, `name: ${name}\nnodes:\n  a: {}\n  b: {}\nlinks:\n  - endpoints: [a:eth0, b:eth0]\n    ip: [10.67.0.1/24, 10.67.0.2/24]\nchecks:\n  - reach: { among: [a, b] }\n  - ping: { from: a, to: b }\n`);
    // Every tool but fping.
    const bin = join(dir, 'bin');
    mkdirSync(bin, { recursive: true });
    for (const tool of ['ip', 'tc', 'nsenter', 'setpriv', 'bash', 'sysctl', 'ping', 'iperf3', 'iptables', 'sh', 'env']) {
      const path = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
      if (path) spawnSync('ln', ['-sf', path, join(bin, tool)]);
    }
    const junit = join(dir, 'nofping.xml');
    const r = nslab(['run', file, '--junit', junit], { ...process.env, PATH: bin });
    expect(r.status, r.stderr).toBe(4);
    expect(namespaces(`${name}-`)).toEqual([]);
    expect(r.stdout).toMatch(/^not ok 1 - preflight$/m);
    expect(r.stdout).toMatch(/^ok 2 - reach among 2 nodes # SKIP this host lacks what the run needs: missing tool: fping/m);
    expect(r.stdout).toContain('Bail out! missing tool: fping');
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toContain('tests="3" failures="0" errors="1" skipped="2"');
    expect(xml).toContain('apt-get install fping');
  });

  it('--only that matches nothing is bad input (exit 2), with the report', () => {
    const file = join(dir, 'only.yaml');
    writeFileSync(file, `name: ${uniqueName()}\nnodes:\n  a: {}\n  b: {}\nlinks:\n  - endpoints: [a:eth0, b:eth0]\n    ip: [10.68.0.1/24, 10.68.0.2/24]\nchecks:\n  - ping: { from: a, to: b }\n`);
    const junit = join(dir, 'only.xml');
    const r = nslab(['run', file, '--only', 'nothing like it', '--junit', junit]);
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/^not ok 1 - options$/m);
    expect(readFileSync(junit, 'utf8')).toContain('matches no check');
  });
});
