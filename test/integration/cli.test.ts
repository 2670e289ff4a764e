/**
 * The lifecycle through the real `nslab` binary: what a user types, what
 * they see, and the exit codes CI relies on.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, TOPOLOGIES } from '../helpers/fixtures.js';
import { isRoot, namespaces, renamed, uniqueName } from '../helpers/lab.js';
import { expectOutput } from '../helpers/outputs.js';

const nslab = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin/nslab.js'), ...args], { encoding: 'utf8' });

describe.skipIf(!isRoot)('nslab up / status / exec / down', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nslab-cli-'));
  const name = uniqueName();
  const file = join(dir, 'lan.yaml');
  writeFileSync(file, renamed(readFileSync(join(TOPOLOGIES, 'lan.yaml'), 'utf8'), name));
  afterAll(() => {
    nslab('down', name);
    rmSync(dir, { recursive: true, force: true });
  });

  it('up builds the lab and says how to use it (exit 0); --wait returns once traffic flows; --timings says where the time went', () => {
    const r = nslab('up', file, '--wait', '--timings');
    expect(r.status, r.stderr).toBe(0);
    const phases = [...r.stdout.matchAll(/^ {2}([a-z ]+?) +(\d+) ms +\d+ %$/gm)].map((m) => m[1]);
    // The plan is made while the namespaces are (see up.ts): after the lock.
    expect(phases).toEqual(['load', 'preflight', 'lock and host check', 'plan', 'files', 'kernel objects', 'services', 'state']);
    const total = Number(/timings \(total (\d+) ms/.exec(r.stdout)?.[1]);
    const sum = [...r.stdout.matchAll(/^ {2}[a-z ]+? +(\d+) ms/gm)].reduce((a, m) => a + Number(m[1]), 0);
    expect(Math.abs(total - sum), 'the phases add up to the total').toBeLessThanOrEqual(phases.length);
    expect(r.stdout).toMatch(/traffic flows: every interface has carrier and a queue \(\d+ ms after up\)/);
    expect(r.stdout).toMatch(new RegExp(`lab ${name} is up: 5 namespaces, 2 bridges, 6 links, \\d+ steps in \\d+ processes`));
    expect(r.stdout).toContain(`nslab exec ${name} pc1 -- ip -br addr`);
  });

  it('up --json of a lab that is up: the common style, already_up', () => {
    expect(expectOutput('up', nslab('up', file, '--json').stdout)).toMatchObject({ lab: name, already_up: true });
    const timed = expectOutput('up', nslab('up', file, '--json', '--timings').stdout);
    expect(Object.keys(timed.timings_ms)).toEqual(['load', 'preflight', 'plan']);
  });

  it('a second up of the same lab from the same file is a no-op that says so (exit 0)', () => {
    const r = nslab('up', file);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`lab ${name} is already up from this file`);
  });

  it('status lists the lab and, for one lab, its nodes and addresses', () => {
    const all = nslab('status');
    expect(all.stdout).toMatch(new RegExp(`${name}\\s+up\\s+7/7`));
    const one = expectOutput('status', nslab('status', name, '--json').stdout).labs[0];
    expect(one).toMatchObject({ lab: name, health: 'up', namespaces: { expected: 7, present: 7 } });
    expect(one.nodes.find((n: { name: string }) => n.name === 'pc1').addresses).toEqual(['10.0.1.2/24', 'fd00:1::2/64']);
  });

  it('status --verify reads the lab back: exit 0 when it matches, 1 naming what drifted', () => {
    const ok = nslab('status', name, '--verify');
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`lab ${name} matches ${file}: 7 namespaces and 6 links read back from the kernel`);
    // Someone changes the lab by hand.
    expect(nslab('exec', name, 'pc1', '--', 'ip', 'link', 'set', 'dev', 'eth0', 'mtu', '1400').status).toBe(0);
    const drift = nslab('status', name, '--verify', '--json');
    expect(drift.status).toBe(1);
    expect(expectOutput('verify', drift.stdout).problems).toEqual([expect.stringMatching(new RegExp(`^${name}-pc1:eth0: mtu 1400, expected 1500`))]);
    expect(nslab('exec', name, 'pc1', '--', 'ip', 'link', 'set', 'dev', 'eth0', 'mtu', '1500').status).toBe(0);
  });

  it('status --verify reads only what the lab asks for, and still sees each kind of drift', () => {
    // Each is read a different way (inspect.ts): a sysctl by bash inside the
    // namespace, routes only where the lab has some, qdiscs only where it
    // asks for an impairment — or where a link shows one nobody asked for.
    const hand = (node: string, ...cmd: string[]) => expect(nslab('exec', name, node, '--', ...cmd).status).toBe(0);
    hand('rtr', 'sysctl', '-q', '-w', 'net.ipv6.conf.all.forwarding=0');
    hand('pc2', 'ip', '-6', 'route', 'del', 'default');
    expect(spawnSync('ip', ['-n', `${name}-office`, 'link', 'show']).status).toBe(0);
    const port = spawnSync('ip', ['-n', `${name}-office`, '-o', 'link', 'show', 'master', 'office'], { encoding: 'utf8' }).stdout.split('\n')[0]!.split(': ')[1]!.split('@')[0]!;
    expect(spawnSync('tc', ['-n', `${name}-office`, 'qdisc', 'add', 'dev', port, 'root', 'tbf', 'rate', '10mbit', 'burst', '32k', 'latency', '50ms']).status).toBe(0);
    try {
      const drift = nslab('status', name, '--verify', '--json');
      expect(drift.status).toBe(1);
      const problems: string[] = expectOutput('verify', drift.stdout).problems;
      expect(problems).toEqual(expect.arrayContaining([
        expect.stringMatching(new RegExp(`^${name}-rtr: sysctl net.ipv6.conf.all.forwarding = 0, expected 1`)),
        expect.stringMatching(new RegExp(`^${name}-pc2: route default via fd00:1::1 missing`)),
        expect.stringMatching(new RegExp(`^${name}-office:${port}: a tbf qdisc remains`)),
      ]));
      expect(problems).toHaveLength(3);
    } finally {
      hand('rtr', 'sysctl', '-q', '-w', 'net.ipv6.conf.all.forwarding=1');
      hand('pc2', 'ip', '-6', 'route', 'add', 'default', 'via', 'fd00:1::1');
      spawnSync('tc', ['-n', `${name}-office`, 'qdisc', 'del', 'dev', port, 'root']);
    }
    expect(nslab('status', name, '--verify').status).toBe(0);
  });

  it('exec runs a command in a node and returns its exit code', () => {
    const ok = nslab('exec', name, 'pc1', '--', 'ping', '-c', '2', '-i', '0.2', '-W', '2', '10.0.2.2');
    expect(ok.status).toBe(0);
    const fail = nslab('exec', name, 'pc1', '--', 'sh', '-c', 'exit 7');
    expect(fail.status).toBe(7);
    const noNode = nslab('exec', name, 'nope', '--', 'true');
    expect(noNode.status).toBe(2);
    expect(noNode.stderr).toContain(`lab ${name} has no node nope`);
  });

  it('down by file removes everything, --timings says where the time went; a second down is a clean no-op', () => {
    const r = nslab('down', file, '--timings');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`lab ${name} is down: removed 7 namespaces`);
    const phases = [...r.stdout.matchAll(/^ {2}([a-z ]+?) +(\d+) ms +\d+ %$/gm)].map((m) => m[1]);
    expect(phases).toEqual(['lock', 'state', 'processes', 'files', 'kernel objects', 'state removed']);
    expect(r.stdout).toMatch(/timings \(total \d+ ms, from taking the lab's lock\)/);
    expect(namespaces(`${name}-`)).toEqual([]);
    const again = nslab('down', name, '--json');
    expect(again.status).toBe(0);
    expect(expectOutput('down', again.stdout)).toMatchObject({ version: 1, lab: name, was_running: false });
    const timed = expectOutput('down', nslab('down', name, '--json', '--timings').stdout);
    expect(Object.keys(timed.timings_ms)).toEqual(['lock', 'state', 'processes', 'files', 'kernel_objects', 'state_removed']);
  });

  it('a deploy failure exits 3 and quotes the YAML line that caused it', () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, `name: ${uniqueName()}\nnodes:\n  a:\n    sysctl: { net.ipv4.no_such_knob: 1 }\n`);
    const r = nslab('up', bad);
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('failed at step sysctl:a:net.ipv4.no_such_knob');
    expect(r.stderr).toContain('4 |     sysctl: { net.ipv4.no_such_knob: 1 }');
    expect(r.stderr).toContain('rolled back: nothing of lab');
  });
});
