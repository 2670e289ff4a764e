/**
 * Failure and state on the real kernel: conflicts are refused before any
 * change, a failing step rolls everything back and says where it came from,
 * a killed `up` is cleaned by `down` (with or without state), labs coexist,
 * and repeated cycles leak nothing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { down } from '../../src/exec/down.js';
import { DeployError, LabConflictError } from '../../src/exec/errors.js';
import { LabBusyError, readState, STATE_DIR } from '../../src/exec/state.js';
import { up } from '../../src/exec/up.js';
import { ROOT } from '../helpers/fixtures.js';
import { hostSnapshot, isRoot, kernelDiff, labFromText, namespaces, ping, uniqueName } from '../helpers/lab.js';

const SMALL = `
name: x
nodes:
  a: {}
  b: {}
  sw: { kind: bridge, subnet: 10.77.0.0/24 }
links:
  - endpoints: [a:eth0, sw]
  - endpoints: [b:eth0, sw]
`;

const cleanup: string[] = [];
afterEach(async () => {
  for (const name of cleanup.splice(0)) await down(name).catch(() => undefined);
});

describe.skipIf(!isRoot)('a lab that already exists is refused', () => {
  it('refuses a second up of the same lab (unless told an unchanged lab is fine), and leaves the first intact', async () => {
    const lab = labFromText(SMALL);
    cleanup.push(lab.name);
    await up(lab);
    await expect(up(lab)).rejects.toThrow(LabConflictError);
    expect((await up(lab, { ifUp: 'ok' })).alreadyUp).toBe(true);
    const changed = labFromText(SMALL.replace('10.77.0.0/24', '10.76.0.0/24'), lab.name);
    await expect(up(changed, { ifUp: 'ok' })).rejects.toMatchObject({ exitCode: 2 });
    expect(await kernelDiff(lab)).toEqual([]);
  });

  it('refuses when a namespace of the same name exists, changing nothing', async () => {
    const lab = labFromText(SMALL);
    const squatter = `${lab.name}-b`;
    spawnSync('ip', ['netns', 'add', squatter]);
    try {
      const err = await up(lab).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LabConflictError);
      expect((err as Error).message).toContain(squatter);
      expect(namespaces(`${lab.name}-`)).toEqual([squatter]);
      expect(readState(lab.name)).toBeUndefined();
    } finally {
      spawnSync('ip', ['netns', 'del', squatter]);
    }
  });
});

describe.skipIf(!isRoot)('a step failing mid-plan rolls everything back', () => {
  it('a sysctl the kernel does not have: exit-3 error with command, kernel message and YAML line; nothing remains', async () => {
    const lab = labFromText(`${SMALL}\n`.replace('  a: {}', '  a:\n    sysctl: { net.ipv4.no_such_knob: 1 }'));
    const before = hostSnapshot(lab);
    const err = (await up(lab).catch((e: unknown) => e)) as DeployError;
    expect(err).toBeInstanceOf(DeployError);
    expect(err.exitCode).toBe(3);
    expect(err.failure?.step.id).toBe('sysctl:a:net.ipv4.no_such_knob');
    expect(err.failure?.message).toMatch(/no_such_knob/);
    expect(err.failure?.step.source).toMatchObject({ file: 'inline.yaml', line: 5 });
    expect(err.rollbackFailures).toEqual([]);
    const text = err.format();
    expect(text).toContain('command: ip netns exec');
    expect(text).toContain('rolled back: nothing of lab');
    expect(hostSnapshot(lab)).toEqual(before);
    expect(readState(lab.name)).toBeUndefined();
  });

  it('an address the kernel refuses (IPv6 switched off by a sysctl, which only the kernel knows): rolled back', async () => {
    const lab = labFromText(`
name: x
nodes:
  a:
    sysctl: { net.ipv6.conf.all.disable_ipv6: 1 }
  b: {}
links:
  - endpoints: [a:eth0, b:eth0]
    ip: ["fd00:77::1/64", "fd00:77::2/64"]
`);
    const err = (await up(lab).catch((e: unknown) => e)) as DeployError;
    expect(err).toBeInstanceOf(DeployError);
    expect(err.failure?.step.id).toBe('addr:a:eth0:fd00:77::1/64');
    expect(namespaces(`${lab.name}-`)).toEqual([]);
  });
});

describe.skipIf(!isRoot)('down after a killed up', () => {
  const big = (n: number) => `
name: x
nodes:
  "h{1..${n}}": {}
  sw: { kind: bridge, subnet: 10.78.0.0/16 }
links:
  - endpoints: ["h{1..${n}}:eth0", sw]
`;

  async function killMidway(file: string, name: string): Promise<void> {
    const child = spawn(process.execPath, [join(ROOT, 'bin/nslab.js'), 'up', '-q', file], { stdio: 'ignore' });
    // Wait until the lab is partly there, then SIGKILL: no cleanup code runs.
    for (let i = 0; i < 400 && namespaces(`${name}-`).length < 50; i++) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
  }

  for (const withState of [true, false]) {
    it(`removes everything ${withState ? 'from the state file' : 'from the kernel alone (state file gone)'}`, async () => {
      const name = uniqueName();
      cleanup.push(name);
      const dir = mkdtempSync(join(tmpdir(), 'nslab-test-'));
      const file = join(dir, 'big.yaml');
      writeFileSync(file, big(300).replace('name: x', `name: ${name}`));
      try {
        await killMidway(file, name);
        expect(namespaces(`${name}-`).length).toBeGreaterThan(0);
        if (!withState) rmSync(join(STATE_DIR, `${name}.json`), { force: true });
        const r = await down(name);
        expect(r.source).toBe(withState ? 'state' : 'kernel');
        expect(r.wasRunning).toBe(true);
        expect(namespaces(`${name}-`)).toEqual([]);
        expect(readState(name)).toBeUndefined();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 60_000);
  }

  it('without state, never takes another lab whose name extends this one', async () => {
    const a = labFromText(SMALL);
    const b = labFromText(SMALL, `${a.name}-b`.slice(0, 12));
    cleanup.push(a.name, b.name);
    await up(a);
    await up(b);
    rmSync(join(STATE_DIR, `${a.name}.json`));
    await down(a.name);
    expect(namespaces(`${a.name}-`).filter((n) => !n.startsWith(`${b.name}-`))).toEqual([]);
    expect(await kernelDiff(b)).toEqual([]);
  });
});

describe.skipIf(!isRoot)('labs and locks', () => {
  it('two different labs come up concurrently and coexist', async () => {
    const [a, b] = [labFromText(SMALL), labFromText(SMALL)];
    cleanup.push(a.name, b.name);
    await Promise.all([up(a), up(b)]);
    expect(await kernelDiff(a)).toEqual([]);
    expect(await kernelDiff(b)).toEqual([]);
    expect(ping(`${a.name}-a`, '10.77.0.2', { count: 3 })).toBe(true);
  });

  it('two concurrent ups of one lab: one wins, the other is refused', async () => {
    const lab = labFromText(SMALL);
    cleanup.push(lab.name);
    const results = await Promise.allSettled([up(lab), up(lab)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason instanceof LabBusyError || refused.reason instanceof LabConflictError).toBe(true);
    expect(await kernelDiff(lab)).toEqual([]);
  });

  it('down of a lab that is not there is a clean no-op', async () => {
    const r = await down(uniqueName());
    expect(r.wasRunning).toBe(false);
  });

  it('50 up/down cycles leak nothing', async () => {
    const lab = labFromText(SMALL);
    const before = hostSnapshot(lab);
    for (let i = 0; i < 50; i++) {
      await up(lab);
      await down(lab.name);
    }
    expect(hostSnapshot(lab)).toEqual(before);
    expect(readState(lab.name)).toBeUndefined();
  }, 120_000);
});
