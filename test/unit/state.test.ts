import { mkdtempSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/diagnostics.js';
import { acquireLock, LabBusyError, listStates, readAllStates, readState, readStateFile, removeState, writeState, type LabState } from '../../src/exec/state.js';

const dir = () => mkdtempSync(join(tmpdir(), 'nslab-state-'));
const state = (lab: string): LabState => ({
  version: 1, lab, phase: 'up', pid: process.pid, createdAt: 'now',
  footprint: { lab, namespaces: [`${lab}-a`], hostLinks: [], natRules: [] }, nodes: [],
});

describe('lab state', () => {
  it('round-trips and lists labs', () => {
    const d = dir();
    writeState(state('b'), d);
    writeState(state('a'), d);
    expect(readState('a', d)?.footprint.namespaces).toEqual(['a-a']);
    expect(listStates(d).map((s) => s.lab)).toEqual(['a', 'b']);
    removeState('a', d);
    expect(readState('a', d)).toBeUndefined();
  });
});

describe('rule: a lab name never becomes a path outside the state folder', () => {
  for (const name of ['../../tmp/x/victim', '/etc/passwd', 'a/b', '..', 'UPPER', '']) {
    it(`refuses ${JSON.stringify(name)} as a usage error`, () => {
      const d = dir();
      expect(() => readState(name, d)).toThrow(UsageError);
      expect(() => writeState(state(name), d)).toThrow(UsageError);
      expect(() => removeState(name, d)).toThrow(UsageError);
    });
  }
});

describe('rule: a damaged state file is reported, never trusted, and spoils no other lab', () => {
  const cases: [string, string, RegExp][] = [
    ['garbage', '\u0000\u0001not json at all', /not JSON/],
    ['valid JSON of the wrong shape', '{"lab": "x", "footprint": 3}', /version|footprint/],
    ['a list', '[1, 2, 3]', /expected object/],
    ['another lab\'s state', JSON.stringify(state('other')), /describes lab other/],
  ];
  for (const [what, text, reason] of cases) {
    it(what, () => {
      const d = dir();
      writeState(state('good'), d);
      writeFileSync(join(d, 'x.json'), text);
      const r = readStateFile('x', d);
      expect(r.kind).toBe('damaged');
      expect(r.kind === 'damaged' && r.reason).toMatch(reason);
      expect(readState('x', d)).toBeUndefined();
      const all = readAllStates(d);
      expect(all.states.map((s) => s.lab)).toEqual(['good']);
      expect(all.damaged.map((x) => x.lab)).toEqual(['x']);
    });
  }
  it('files that are not <lab>.json are not state files', () => {
    const d = dir();
    writeFileSync(join(d, 'Not A Lab.json'), '{}');
    writeFileSync(join(d, 'notes.txt'), 'hi');
    expect(readAllStates(d)).toEqual({ states: [], damaged: [] });
  });
});

describe('rule: the per-lab lock is exclusive, and the kernel releases it with its holder', () => {
  it('a second lock of one lab is refused, naming the holder', async () => {
    const d = dir();
    const release = await acquireLock('x', d);
    const err = await acquireLock('x', d).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabBusyError);
    expect((err as Error).message).toContain(`pid ${process.pid}`);
    release();
    (await acquireLock('x', d))();
  });
  it('different labs lock independently; the same lab in another state folder too', async () => {
    const [d1, d2] = [dir(), dir()];
    const locks = await Promise.all([acquireLock('a', d1), acquireLock('b', d1), acquireLock('a', d2)]);
    for (const release of locks) release();
  });
  it('of 10 concurrent attempts exactly one wins', async () => {
    const d = dir();
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => acquireLock('race', d)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'fulfilled') r.value();
  });
  it('a holder killed with SIGKILL leaves no stale lock: the next taker gets it at once', async () => {
    const d = dir();
    const holder = spawn(process.execPath, ['--input-type=module', '-e', `
      const { acquireLock } = await import(${JSON.stringify(new URL('../../dist/exec/state.js', import.meta.url).href)});
      await acquireLock('killed', ${JSON.stringify(d)});
      process.stdout.write('locked\\n');
      setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => holder.stdout!.on('data', () => resolve()));
    await expect(acquireLock('killed', d)).rejects.toThrow(LabBusyError);
    holder.kill('SIGKILL');
    await new Promise((r) => holder.on('close', r));
    (await acquireLock('killed', d))();
  });
});
