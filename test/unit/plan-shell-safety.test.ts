/**
 * `nslab plan --format sh` writes a script people run as root. Nothing from
 * the topology — its path, names, texts — may run as a command in it.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { creationPlan } from '../../src/compile/create.js';
import { footprintOf, teardownPlan } from '../../src/compile/teardown.js';
import { commandLine, planToShell } from '../../src/render/plan-sh.js';
import { commentSafe, shJoin } from '../../src/render/shell.js';
import type { Step } from '../../src/compile/plan.js';
import { loadTopology } from '../../src/topology/load.js';
import { ROOT, TOPOLOGIES } from '../helpers/fixtures.js';

describe('rule: comments in a shell plan stay comments', () => {
  it('commentSafe escapes every control character, and nothing else', () => {
    expect(commentSafe('a\nb\rc\td\u001b[31m\u0000e\u2028')).toBe('a\\nb\\rc\\td\\x1b[31m\\x00e\\x2028');
    expect(commentSafe('lan.yaml:3:5 → é')).toBe('lan.yaml:3:5 → é');
  });

  it('a topology path with newlines runs nothing when the plan is run (the tools stubbed)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nslab-plan-'));
    const evil = join(dir, 'x\ntouch pwned\n.yaml');
    copyFileSync(join(TOPOLOGIES, 'quickstart.yaml'), evil);
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/nslab.js'), 'plan', evil], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const script = join(dir, 'plan.sh');
    writeFileSync(script, r.stdout);
    // ip, tc and sysctl are stubs that log their arguments: the script runs for real, as a user would run it.
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    for (const tool of ['ip', 'tc', 'sysctl', 'iptables']) {
      writeFileSync(join(bin, tool), `#!/bin/sh\necho "${tool} $*" >> "${join(dir, 'calls.log')}"\n`);
      chmodSync(join(bin, tool), 0o755);
    }
    const run = spawnSync('bash', [script], { cwd: dir, encoding: 'utf8', env: { ...process.env, PATH: `${bin}:/usr/bin:/bin` } });
    expect(run.status, run.stderr).toBe(0);
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
    // Every line of the script is a comment, blank, `set`, or one of the plan's own commands.
    for (const line of r.stdout.split('\n')) expect(line).toMatch(/^(#.*|$|set -euo pipefail|(ip|tc|sysctl|iptables) .*)$/);
    expect(readFileSync(join(dir, 'calls.log'), 'utf8').split('\n').filter(Boolean)).toHaveLength(creationPlan(loadTopology('q', readFileSync(evil, 'utf8'))).steps.length);
  });

  it('a teardown plan of such a file is safe too', () => {
    const lab = loadTopology('a\n$(reboot)\n.yaml', readFileSync(join(TOPOLOGIES, 'quickstart.yaml'), 'utf8'));
    const sh = planToShell(teardownPlan(footprintOf(lab), lab.file), 'test');
    for (const line of sh.split('\n')) expect(line).toMatch(/^(#.*|$|set -euo pipefail|ip .*)$/);
    expect(sh).toContain('a\\n$(reboot)\\n.yaml');
  });
});

describe('rule: a user\'s command runs in its folder with its variables; its input is a here-document that cannot end early', () => {
  const cmd = (input?: string): Step => ({ id: 'setup:a:0', ns: 'l-a', argv: ['ip', 'netns', 'exec', 'l-a', 'nft', '-f', '-'], deps: [], why: '', command: { cwd: '/run/nslab/l/nodes/a', env: { NSLAB_DIR: '/run/nslab/l/nodes/a', X: "it's" }, timeoutMs: 1000, needs: [], ...(input === undefined ? {} : { input }) } });
  it('no input: the command in a subshell, its variables quoted', () => {
    expect(commandLine(cmd())).toBe("(cd /run/nslab/l/nodes/a && NSLAB_DIR=/run/nslab/l/nodes/a X='it'\\''s' ip netns exec l-a nft -f -)");
  });
  it('its input under a delimiter none of its lines is, its last newline not doubled', () => {
    expect(commandLine(cmd('table inet f {}\n')).split('\n').slice(1)).toEqual(['table inet f {}', 'NSLAB_EOF']);
    expect(commandLine(cmd('NSLAB_EOF\nNSLAB_EOF_0\nx')).split('\n')).toEqual([expect.stringMatching(/<<'NSLAB_EOF_1'$/), 'NSLAB_EOF', 'NSLAB_EOF_0', 'x', 'NSLAB_EOF_1']);
    expect(commandLine(cmd('a\n\n')).split('\n').slice(1)).toEqual(['a', '', 'NSLAB_EOF']);
  });
  it('an empty word is quoted, so it stays a word', () => {
    expect(shJoin(['echo', '', 'a b'])).toBe("echo '' 'a b'");
  });
});
