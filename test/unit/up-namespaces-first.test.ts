/**
 * `up` makes the namespaces while it plans the rest (src/exec/up.ts): the
 * tools the plan names are checked once it is known, and a missing one
 * removes the namespaces made meanwhile before the error reaches the user.
 * Against a recording runner; the tool check is replaced so that a tool
 * only the plan names (sysctl, for a node's sysctls) is "missing" — on this
 * machine every tool is installed, and nslab also looks in /usr/sbin.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { EnvironmentError } from '../../src/diagnostics.js';

vi.mock('../../src/exec/preflight.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/exec/preflight.js')>();
  return {
    ...real,
    requireRoot: () => undefined,
    requireTools: (tools: Iterable<string>) => {
      if ([...tools].includes('sysctl')) throw new EnvironmentError('missing tool: sysctl', 'install with: apt-get install procps');
    },
  };
});

const { up } = await import('../../src/exec/up.js');
const { RecordingRunner } = await import('../../src/exec/runner.js');
const { loadTopology } = await import('../../src/topology/load.js');

describe('rule: a tool only the plan names, missing, leaves nothing behind', () => {
  it('the namespaces started before it was known are removed, then exit 4 with the tool', async () => {
    const lab = loadTopology('t.yaml', 'name: ntfirst\nnodes:\n  a: { sysctl: { net.ipv4.ip_forward: 1 } }\n  b: {}\nlinks:\n  - endpoints: [a:eth0, b:eth0]\n');
    const stateDir = mkdtempSync(join(tmpdir(), 'nslab-state-'));
    const runner = new RecordingRunner();
    const err = (await up(lab, { runner, stateDir }).catch((e: unknown) => e)) as EnvironmentError;
    expect(err).toBeInstanceOf(EnvironmentError);
    expect(err.exitCode).toBe(4);
    expect(err.message).toBe('missing tool: sysctl');
    const inputs = runner.calls.map((c) => c.input ?? '');
    const made = inputs.findIndex((i) => i.includes('netns add ntfirst-a'));
    const removed = inputs.findIndex((i) => i.includes('netns del ntfirst-a'));
    expect(made).toBeGreaterThanOrEqual(0); // started before the plan was known
    expect(removed).toBeGreaterThan(made);
    expect(inputs.join('')).toContain('netns del ntfirst-b');
    expect(runner.calls.some((c) => c.input?.includes('link add'))).toBe(false); // nothing past the namespaces
    expect(existsSync(join(stateDir, 'ntfirst.json'))).toBe(false);
  });
});
