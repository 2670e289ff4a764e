import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock, LabBusyError, listStates, readState, removeState, writeState, type LabState } from '../../src/exec/state.js';

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

describe('per-lab lock', () => {
  it('is exclusive while its owner lives', () => {
    const d = dir();
    const release = acquireLock('x', d);
    // our own pid counts as alive, but a second lock from another live pid must fail
    writeFileSync(join(d, 'y.lock'), String(process.ppid));
    expect(() => acquireLock('y', d)).toThrow(LabBusyError);
    release();
    expect(() => acquireLock('x', d)()).not.toThrow();
  });
  it('takes over a lock whose owner died (a SIGKILLed up)', () => {
    const d = dir();
    writeFileSync(join(d, 'z.lock'), '999999999');
    expect(() => acquireLock('z', d)()).not.toThrow();
  });
  it('different labs lock independently', () => {
    const d = dir();
    const a = acquireLock('a', d);
    const b = acquireLock('b', d);
    a();
    b();
  });
});
