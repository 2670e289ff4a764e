/**
 * `nslab doctor --fix` on a host that lacks tools: it says what it installs
 * and why, runs apt-get for exactly those packages, then probes again. The
 * host here has every tool, so the test hides two of them (a PATH of links
 * to all others) and puts a recording apt-get first.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/fixtures.js';
import { isRoot } from '../helpers/lab.js';
import { expectOutput } from '../helpers/outputs.js';

describe.skipIf(!isRoot)('nslab doctor --fix', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nslab-doctor-'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  for (const tool of ['ip', 'tc', 'nsenter', 'setpriv', 'bash', 'sysctl', 'ping', 'iptables', 'nft', 'tcpdump', 'sh']) {
    const path = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    spawnSync('ln', ['-s', path, join(bin, tool)]);
  }
  const log = join(dir, 'apt.log');
  writeFileSync(join(bin, 'apt-get'), `#!/bin/sh\necho "$*" >> ${log}\n`);
  chmodSync(join(bin, 'apt-get'), 0o755);
  const doctor = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin/nslab.js'), 'doctor', ...args], { encoding: 'utf8', env: { ...process.env, PATH: bin } });

  it('without --fix: says what is missing and that --fix installs it; installs nothing', () => {
    const r = doctor();
    expect(r.status).toBe(0); // fping and iperf3 are optional: labs still deploy
    expect(r.stdout).toMatch(/no\s+fping\s+not installed/);
    expect(r.stdout).toContain('`nslab doctor --fix` installs the missing tools with apt-get.');
    expect(existsSync(log)).toBe(false);
  });

  it('with --fix: names each package and what it is for, runs apt-get update and install for exactly those', () => {
    const r = doctor('--fix');
    expect(r.stdout).toContain('doctor --fix: installing with apt-get: fping (reach checks), iperf3 (iperf checks)');
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual(['update -qq', 'install -y -qq --no-install-recommends fping iperf3']);
    // The stub installed nothing: the second probe says so.
    expect(r.stdout).toMatch(/no\s+fping\s+not installed/);
  });

  it('--fix --json keeps stdout for the JSON', () => {
    const r = doctor('--fix', '--json');
    const doc = expectOutput('doctor', r.stdout);
    expect(doc).toMatchObject({ version: 1, installed: ['fping', 'iperf3'] });
    expect(r.stderr).toContain('installing with apt-get');
  });
});
